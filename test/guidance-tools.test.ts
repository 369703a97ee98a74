import t from 'tap';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { studentEnv } from './helpers/chat.js';
import { FakeOpenAI } from './helpers/fake-openai.js';
import { createLibrary, importEntries } from './helpers/library.js';
import { afterLookup, cancelRequest, LOOKUP_ENTRIES, ORDER_TOOLS } from './helpers/tools.js';

t.test('applies_when is stored on each version: create, PATCH, history, restore, export and re-import', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const url = `/v1/libraries/${lib.id}/guidance`;
  const created = await app.inject({ method: 'POST', url, headers: admin, payload: { ...LOOKUP_ENTRIES[0], applies_when: { before_tools: ['get_order_details', 'get_order_details'] } } });
  t.equal(created.statusCode, 201, created.body);
  const entry = created.json().entry;
  t.same(entry.applies_when, { after_tools: [], before_tools: ['get_order_details'] }, 'a set: each tool once');

  const patched = await app.inject({ method: 'PATCH', url: `${url}/${entry.id}`, headers: admin, payload: { applies_when: { after_tools: ['get_user_details'] }, reason: 'after identification' } });
  t.equal(patched.statusCode, 200, patched.body);
  t.match(patched.json().entry, { version: 2, applies_when: { after_tools: ['get_user_details'], before_tools: [] } }, 'replaced whole: the list left out is emptied');

  const history = (await app.inject({ method: 'GET', url: `${url}/${entry.id}/history`, headers: admin })).json().items;
  t.same(history.map((v: { version: number; applies_when: unknown }) => [v.version, v.applies_when]), [
    [2, { after_tools: ['get_user_details'], before_tools: [] }],
    [1, { after_tools: [], before_tools: ['get_order_details'] }],
  ]);
  const restored = await app.inject({ method: 'POST', url: `${url}/${entry.id}/restore`, headers: admin, payload: { version: 1 } });
  t.match(restored.json(), { version: 3, applies_when: { after_tools: [], before_tools: ['get_order_details'] } });

  const exported = (await app.inject({ method: 'GET', url: `${url}/export`, headers: admin })).body.trim().split('\n').map((line) => JSON.parse(line));
  t.same(exported[0].applies_when, { after_tools: [], before_tools: ['get_order_details'] });
  const again = await app.inject({ method: 'POST', url: `${url}/import`, headers: admin, payload: exported });
  t.match(again.json(), { created: 0, updated: 0, unchanged: 1 }, 'the export re-imports unchanged');
  const changed = await app.inject({ method: 'POST', url: `${url}/import`, headers: admin, payload: [{ ...exported[0], applies_when: {} }] });
  t.match(changed.json(), { updated: 1 }, 'other conditions are an update');

  const plain = await importEntries(app, lib.id, [{ scenario: 'Greets', guidance: 'Greet back.' }]);
  const unconditioned = (await app.inject({ method: 'GET', url: `${url}/${plain.ids[0]}`, headers: admin })).json();
  t.same(unconditioned.applies_when, { after_tools: [], before_tools: [] });
});

t.test('contradictory or malformed tool conditions are refused, naming the field', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const url = `/v1/libraries/${lib.id}/guidance`;
  const entry = { scenario: 's', guidance: 'g' };
  const cases: [string, string, object, string][] = [
    ['POST', url, { ...entry, applies_when: { after_tools: ['x'], before_tools: ['x'] } }, 'body.applies_when.before_tools'],
    ['POST', `${url}/import`, [entry, { ...entry, applies_when: { after_tools: ['x'], before_tools: ['x'] } }], 'body.1.applies_when.before_tools'],
    ['POST', url, { ...entry, applies_when: { after_tools: ['not a tool name'] } }, 'body.applies_when.after_tools.0'],
    ['POST', url, { ...entry, applies_when: { during_tools: ['x'] } }, 'body.applies_when.during_tools'],
  ];
  for (const [method, path, payload, field] of cases) {
    const res = await app.inject({ method: method as 'POST', url: path, headers: admin, payload });
    t.equal(res.statusCode, 400, `${field}: ${res.body}`);
    t.equal(res.json().error.details[0].field, field);
  }
  const { ids } = await importEntries(app, lib.id, [entry]);
  const patch = await app.inject({ method: 'PATCH', url: `${url}/${ids[0]}`, headers: admin, payload: { applies_when: { after_tools: ['y'], before_tools: ['y'] } } });
  t.equal(patch.json().error.details[0].field, 'body.applies_when.before_tools');
});

t.test("stats count, per entry, how often the student's next tool call was one its guidance names", async (t) => {
  const fake = await FakeOpenAI.start(t);
  const { app } = await testApp(t, { env: studentEnv(fake) });
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, LOOKUP_ENTRIES);
  const [before, after] = ids as [string, string];
  const { key } = await createKey(app, { role: 'student', library_ids: [lib.id] });
  const chat = (messages: unknown[], tools: unknown[] | null = ORDER_TOOLS) =>
    app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/chat`, headers: bearer(key), payload: { messages, ...(tools === null ? {} : { tools }) } });
  const calls = (name: string) => ({ type: 'reply' as const, content: null, toolCalls: [{ id: 'c', name, arguments: '{}' }] });

  fake.script(calls('get_order_details'), { type: 'reply', content: 'Let me check.' }, calls('cancel_pending_order'), calls('get_order_details'));
  await chat(cancelRequest); // the before-note names get_order_details: followed
  await chat(cancelRequest); // answered in words: not followed
  await chat(afterLookup('pending')); // the after-note names cancel_pending_order: followed
  await chat(cancelRequest, null); // no tools offered: the note names none of them, so no cue
  await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/compose`, headers: bearer(key), payload: { messages: cancelRequest, tools: ORDER_TOOLS } });

  const stats = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/stats`, headers: admin })).json();
  const of = (id: string) => stats.items.find((i: { entry_id: string }) => i.entry_id === id).tool_cues;
  t.same(of(before), { turns: 2, followed: 1, follow_rate: 0.5 }, 'compose turns and turns without the tools do not count');
  t.same(of(after), { turns: 1, followed: 1, follow_rate: 1 });
  const one = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${after}/stats`, headers: admin })).json();
  t.same(one.tool_cues, of(after));
});
