import t, { type Test } from 'tap';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { refundConversation, STUDENT_MODEL, studentEnv } from './helpers/chat.js';
import { FakeOpenAI } from './helpers/fake-openai.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';

interface Note {
  id: string;
  score: number;
}

async function setup(t: Test, retrieval?: object) {
  const fake = await FakeOpenAI.start(t);
  const { app } = await testApp(t, { env: studentEnv(fake) });
  const lib = await createLibrary(app, retrieval === undefined ? {} : { retrieval });
  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const student = await createKey(app, { role: 'student', library_ids: [lib.id] });
  const guidanceOf = new Map(ids.map((id, i) => [id, SAMPLE_ENTRIES[i]!.guidance]));
  /** The notes of the student's last prompt, by the texts it was sent, and those the answer reports. */
  const lastPrompt = () => {
    const system = fake.requests.at(-1)!.body.messages![0]!.content as string;
    return ids.filter((id) => system.includes(guidanceOf.get(id)!));
  };
  const chat = async (payload: object = {}) => {
    const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/chat`, headers: bearer(student.key), payload: { messages: refundConversation, ...payload } });
    t.equal(res.statusCode, 200, res.body);
    const guidance: Note[] = res.json().guidance;
    t.same([...lastPrompt()].sort(), guidance.map((g) => g.id).sort(), 'the prompt holds exactly the notes reported');
    return guidance;
  };
  const patch = (retrieval: object) => app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}`, headers: admin, payload: { retrieval } });
  return { fake, app, lib, ids, student, chat, patch, lastPrompt };
}

t.test("a library's k limits the notes in the student's prompt, and a request's k wins over it", async (t) => {
  const unset = await setup(t);
  const all = await unset.chat();
  t.ok(all.length >= 2, `without settings more than one note enters the prompt (${all.length})`);

  const { app, lib, ids, chat, student } = await setup(t, { k: 1 });
  t.same((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}`, headers: admin })).json().retrieval, { k: 1 });
  const limited = await chat();
  t.equal(limited.length, 1, "the library's k");
  t.equal(ids.indexOf(limited[0]!.id), unset.ids.indexOf(all[0]!.id), 'the best note stays');
  t.equal((await chat({ k: 3 })).length, all.length, "the request's k wins");

  const compose = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/compose`, headers: bearer(student.key), payload: { messages: refundConversation } });
  t.equal(compose.json().guidance.length, 1, 'compose uses it too');
  const openai = await app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: bearer(student.key),
    payload: { model: lib.name, messages: refundConversation },
  });
  t.equal(openai.statusCode, 200, openai.body);
  t.equal(openai.json().coach.guidance.length, 1, 'and the OpenAI-compatible route');
});

t.test('a per-model override applies only when that model is the student', async (t) => {
  const { chat, patch } = await setup(t, { k: 3, by_model: { [STUDENT_MODEL]: { k: 1 } } });
  t.equal((await chat()).length, 1, "the student model's override");
  const other = await patch({ k: 3, by_model: { 'some-other-model': { k: 1 } } });
  t.equal(other.statusCode, 200, other.body);
  t.same(other.json().retrieval, { k: 3, by_model: { 'some-other-model': { k: 1 } } }, 'a PATCH replaces the settings');
  t.ok((await chat()).length >= 2, "another model's override does not apply");
  await patch({ k: 1, by_model: { [STUDENT_MODEL]: { k: 3 } } });
  t.ok((await chat()).length >= 2, "the model's override wins over the library's own k");
});

t.test("min_score drops the low notes: the library's, the model's, and the request's over both", async (t) => {
  const { chat, patch } = await setup(t);
  const all = await chat();
  t.ok(all.length >= 2 && all[0]!.score > all.at(-1)!.score, 'notes of different scores to separate');
  const cut = (all[0]!.score + all.at(-1)!.score) / 2;
  const above = all.filter((g) => g.score >= cut).map((g) => g.id);

  await patch({ min_score: cut });
  t.same((await chat()).map((g) => g.id), above, "the library's min_score keeps only the notes at or above it");
  t.same((await chat({ min_score: 0 })).map((g) => g.id), all.map((g) => g.id), "the request's min_score wins");

  await patch({ by_model: { [STUDENT_MODEL]: { min_score: cut } } });
  t.same((await chat()).map((g) => g.id), above, "the student model's min_score");
  await patch({ by_model: { 'some-other-model': { min_score: cut } } });
  t.same((await chat()).map((g) => g.id), all.map((g) => g.id), "another model's min_score does not apply");
});

t.test('bad retrieval settings are refused naming the field', async (t) => {
  const { app, lib, student } = await setup(t);
  const cases: [object, string][] = [
    [{ k: 0 }, 'body.retrieval.k'],
    [{ min_score: 1.5 }, 'body.retrieval.min_score'],
    [{ by_model: { [STUDENT_MODEL]: { k: 'many' } } }, `body.retrieval.by_model.${STUDENT_MODEL}.k`],
    [{ by_model: { [STUDENT_MODEL]: { top: 3 } } }, 'top'],
    [{ limit: 3 }, 'limit'],
  ];
  for (const [retrieval, field] of cases) {
    const patched = await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}`, headers: admin, payload: { retrieval } });
    t.equal(patched.statusCode, 400, JSON.stringify(retrieval));
    t.match(patched.json().error.message, field);
    const created = await app.inject({ method: 'POST', url: '/v1/libraries', headers: admin, payload: { name: 'another', retrieval } });
    t.equal(created.statusCode, 400);
    t.match(created.json().error.message, field);
  }
  t.same((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}`, headers: admin })).json().retrieval, {}, 'nothing was stored');
  const chat = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/chat`, headers: bearer(student.key), payload: { messages: refundConversation, min_score: -1 } });
  t.equal(chat.statusCode, 400);
  t.match(chat.json().error.message, 'body.min_score');
});
