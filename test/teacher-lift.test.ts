import t from 'tap';
import { FakeLlm, JUDGE_MODEL, MODELS, scriptSupportDesk, SKIPPING_REPLY, VERIFIED_REPLY, type LlmRequest } from './helpers/fake-llm.js';
import { CANCEL, teacherSetup } from './helpers/teacher.js';

const notes = (r: LlmRequest) => r.messages[0]!.content.split('<coaching_notes>')[1] ?? '';
const coached = (r: LlmRequest) => /full name and order number/.test(notes(r));

t.test('a note with an effect is accepted, with a lift near the planted one', async (t) => {
  const { fake, run, entry, evidence } = await teacherSetup(t);
  // Planted truth: coached, the student verifies in 4 of 5 samples (not sample 0); uncoached, never.
  fake.on('student', (r) => ({ content: coached(r) && r.seed !== 100 ? VERIFIED_REPLY : SKIPPING_REPLY }));
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL], options: { auto_approve: true } });
  t.match(job, { status: 'done', errors: [], failed_decisions: [] });
  const written = await entry(job.produced_entry_ids[0]);
  t.equal(written.status, 'approved', 'accepted lift and a clean policy check: auto-approved');
  const [proof] = (await evidence(written.id)).items;
  const { lift } = proof.evidence.acceptance.rounds[0];
  t.match(lift, { passed_with: 12, n_with: 15, passed_without: 0, n_without: 15, lift: 0.8, accepted: true, retrieved: true, student_model: MODELS.student });
  t.ok(lift.interval[0] > 0 && lift.interval[0] < 0.8 && lift.interval[1] > 0.8, `the interval [${lift.interval}] is above 0 and holds the planted 0.8`);
  t.equal(proof.evidence.acceptance.rounds.length, 1, 'accepted at once: no refinement');
  t.equal(fake.count('teacher:refined_entry'), 0);
});

t.test('a failure the student makes in 1 of 3 rollouts is found; one rollout misses it', async (t) => {
  const { fake, run, evidence } = await teacherSetup(t);
  // Planted truth: uncoached, the student skips verification when seed % 3 == 1 (rollout 1 of 0, 1, 2).
  fake.on('student', (r) => ({ content: coached(r) || r.seed! % 3 !== 1 ? VERIFIED_REPLY : SKIPPING_REPLY }));
  const once = await run({ kind: 'scenarios', scenarios: [CANCEL], options: { rollouts: 1 } });
  t.same(once.produced_entry_ids, [], 'played once, the student happened to get it right');

  const job = await run({ kind: 'scenarios', scenarios: [{ ...CANCEL, id: 'cancel-3' }] });
  t.equal(job.produced_entry_ids.length, 1, 'played three times, the failure is found');
  const [proof] = (await evidence(job.produced_entry_ids[0])).items;
  t.match(proof.evidence.states, [{ key: 'cancel-3/1#1', student_reply: SKIPPING_REPLY }]);
  t.same(proof.evidence.siblings.map((s: { key: string }) => s.key), ['cancel-3#1', 'cancel-3/2#1'], 'the other rollouts of the state are held-out siblings');
  const { lift } = proof.evidence.acceptance.rounds[0];
  // Samples 100..104 without the note fail at 100 and 103: 9 of 15 pass; with it, 15 of 15.
  t.match(lift, { passed_with: 15, passed_without: 9, lift: 0.4, states: 3, accepted: true });
  t.same(lift.per_state.map((s: { source: boolean }) => s.source), [true, false, false]);
});

t.test('a judge apart from the teacher compares and marks, and the job says which model judged', async (t) => {
  const fake = scriptSupportDesk(await FakeLlm.start(t));
  const { run, evidence } = await teacherSetup(t, { JUDGE_BASE_URL: fake.baseUrl, JUDGE_MODEL, JUDGE_API_KEY: 'fake' }, { fake });
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL], options: { rollouts: 1, samples: 2 } });
  t.match(job, { status: 'done', judge: { model: JUDGE_MODEL, separate: true }, models: { judge: JUDGE_MODEL }, usage: { judge: { model: JUDGE_MODEL, calls: 1 + 2 * 2 } } });
  t.equal(fake.count('judge:turn_verdict'), 1);
  t.equal(fake.count('judge:sample_verdict'), 4);
  t.equal(fake.count('teacher:turn_verdict') + fake.count('teacher:sample_verdict'), 0, 'the teacher never judged its own moves');
  const [proof] = (await evidence(job.produced_entry_ids[0])).items;
  t.match(proof.evidence.acceptance, { judge_model: JUDGE_MODEL, rounds: [{ lift: { judge_model: JUDGE_MODEL } }] });
});
