import t from 'tap';
import { admin } from './helpers/app.js';
import { ENTRIES, MODELS, SKIPPING_REPLY, VERIFIED_REPLY, VERIFY_CLAUSE } from './helpers/fake-llm.js';
import { importEntries } from './helpers/library.js';
import { CANCEL, teacherSetup } from './helpers/teacher.js';

t.test('a validate job re-measures approved entries for another student and stores per-model lift; entries list by lift per model', async (t) => {
  const { fake, run, app, lib } = await teacherSetup(t);
  // Planted truth: the usual student follows the note; student-model-2 ignores guidance.
  fake.alias('student-model-2', 'student').on('student', (r) => {
    const notes = r.messages[0]!.content.split('<coaching_notes>')[1] ?? '';
    return { content: r.model !== 'student-model-2' && /full name and order number/.test(notes) ? VERIFIED_REPLY : SKIPPING_REPLY };
  });
  const { ids: [cancel, unrelated] } = await importEntries(app, lib.id, [
    { ...ENTRIES.cancel, examples: [CANCEL.opening], policy_refs: [VERIFY_CLAUSE] },
    { scenario: 'Customer asks about opening hours', guidance: 'Give the opening hours.', status: 'draft' },
  ]);
  const other = await run({ kind: 'validate', models: { student: 'student-model-2' } });
  t.match(other, { kind: 'validate', status: 'done', progress: { done: 1, total: 1 }, models: { student: 'student-model-2' }, errors: [] });
  const usual = await run({ kind: 'validate' });
  t.equal(usual.status, 'done');

  const byModel = async (model: string) =>
    (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/lift?student_model=${model}`, headers: admin })).json().items;
  const [ignored] = await byModel('student-model-2');
  t.match(ignored, { entry_id: cancel, student_model: 'student-model-2', judge_model: MODELS.teacher, lift: 0, passed_with: 0, n_with: 5, n_without: 5, accepted: false, retrieved_states: 1, job_id: other.id });
  t.ok(ignored.interval[0] < 0 && ignored.interval[1] > 0, 'no effect on that student: the interval covers 0');
  const [helped] = await byModel(MODELS.student);
  t.match(helped, { entry_id: cancel, lift: 1, passed_with: 5, accepted: true, job_id: usual.id });
  t.same(await byModel('nobody'), []);
  const perEntry = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${cancel}/lift`, headers: admin })).json().items;
  t.same(perEntry.map((m: { student_model: string }) => m.student_model).sort(), [MODELS.student, 'student-model-2'].sort(), 'one measurement per student model');
  t.notOk(perEntry.some((m: { entry_id: string }) => m.entry_id === unrelated), 'drafts are not validated');
  const missing = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/lift`, headers: admin });
  t.equal(missing.statusCode, 400);
  t.match(missing.json().error.message, /query\.student_model/);
});
