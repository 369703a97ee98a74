import t from 'tap';
import { context, ENTRIES, SKIPPING_REPLY, VERIFIED_REPLY, type LlmRequest } from './helpers/fake-llm.js';
import { ADDRESS, CANCEL, teacherSetup } from './helpers/teacher.js';

const notes = (r: LlmRequest) => r.messages[0]!.content.split('<coaching_notes>')[1] ?? '';
const lastSaid = (r: LlmRequest) => [...r.messages].reverse().find((m) => m.role === 'user')?.content ?? '';

/** Planted truth: the student verifies only when a note for that very request (cancel or address) is served. */
function specificStudent(r: LlmRequest) {
  const coached = /address/i.test(lastSaid(r)) ? notes(r).includes('Only then update the address') : notes(r).includes('Only then cancel');
  return { content: coached ? VERIFIED_REPLY : SKIPPING_REPLY };
}

const VALIDATION = [
  { ...CANCEL, id: 'val-cancel', opening: 'Cancel my order 555, please.' },
  { ...ADDRESS, id: 'val-address', opening: 'I need my parcel delivered to another address.' },
];

t.test('adaptive rounds: round 2 aims at the kind of state that still fails, and the learning curve falls', async (t) => {
  const { fake, run, entries } = await teacherSetup(t);
  fake.on('student', specificStudent);
  // Aimed scenarios follow the failing states the teacher is told about.
  fake.on('teacher:scenarios', (r) => {
    const failing = context(r).split('# Where the agent still falls short')[1] ?? '';
    const kind = /address/i.test(failing.split('# Policy sections')[0]!) ? 'address' : 'cancel';
    return {
      json: {
        scenarios: [{ id: `aimed-${kind}`, description: `A ${kind} request`, customer_goal: kind, persona: 'calm', opening: kind === 'address' ? ADDRESS.opening : CANCEL.opening }],
      },
    };
  });
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL], validation: VALIDATION, options: { max_rounds: 3, auto_approve: true, rollouts: 1, samples: 2 } });
  t.match(job, { status: 'done', errors: [], failed_decisions: [] });
  const curve = job.report.curve;
  t.same(curve.map((p: { round: number }) => p.round), [0, 1, 2]);
  t.same(curve.map((p: { failure_rate: number }) => p.failure_rate), [1, 0.5, 0], 'the failure rate on the validation set falls each round');
  t.same(curve.map((p: { n: number }) => p.n), [2, 2, 2]);
  t.same(curve[1].failing, ['Address change requested, identity not verified'], 'after round 1 only the address state still fails');
  t.same(curve.map((p: { accepted: number; rejected: number }) => [p.accepted, p.rejected]), [[0, 0], [1, 0], [1, 0]], 'notes accepted and rejected per round');
  t.ok(curve.every((p: { tokens: number }) => p.tokens > 0), 'tokens per round');
  t.equal(curve.at(-1).total_tokens, curve.reduce((sum: number, p: { tokens: number }) => sum + p.tokens, 0));
  t.ok(curve[0].interval[0] > 0 && curve[0].interval[1] === 1, 'each rate with its Wilson interval');
  t.equal(job.report.stop_reason, 'no_failures');

  const aimed = fake.requests.filter((r) => r.schema === 'scenarios');
  t.equal(aimed.length, 1, 'one round generated scenarios');
  const brief = context(aimed[0]!);
  t.match(brief, /# Where the agent still falls short\n- Address change requested, identity not verified\n/);
  t.notMatch(brief, /Cancellation requested/, 'not at what the student already gets right');
  t.match(brief, /# Policy sections no scenario has touched\n- Refunds are only possible within 30 days of delivery\./, 'and at the policy no note relies on yet');
  t.match(aimed[0]!.messages[0]!.content, /still falls short in the kinds of state listed/, 'the aim prompt');
  const written = await entries();
  t.same(written.map((e: { scenario: string }) => e.scenario).sort(), [ENTRIES.address.scenario, ENTRIES.cancel.scenario].sort());
  t.ok(written.every((e: { status: string }) => e.status === 'approved'));
});

t.test('adaptive rounds stop when the failure rate stops falling (min_gain), or at max_rounds', async (t) => {
  const { fake, run } = await teacherSetup(t);
  fake.on('student', () => ({ content: SKIPPING_REPLY }));
  const stuck = await run({ kind: 'scenarios', scenarios: [CANCEL], validation: VALIDATION.slice(0, 1), options: { max_rounds: 5, auto_approve: true, rollouts: 1, samples: 1 } });
  t.same(stuck.report.curve.map((p: { failure_rate: number }) => p.failure_rate), [1, 1]);
  t.equal(stuck.report.stop_reason, 'min_gain', 'no gain in round 1: no round 2');
  t.same(stuck.report.curve[1], { ...stuck.report.curve[1], accepted: 0, rejected: 1 });

  const capped = await run({ kind: 'scenarios', scenarios: [{ ...CANCEL, id: 'c2' }], validation: VALIDATION.slice(0, 1), options: { max_rounds: 1, min_gain: 0, rollouts: 1, samples: 1 } });
  t.equal(capped.report.stop_reason, 'max_rounds');
  t.equal(capped.report.curve.length, 2);
});

t.test('the job stops at its budget, keeping what it finished', async (t) => {
  const { run } = await teacherSetup(t, { TEACHER_CONCURRENCY: '1' });
  // Every scripted call uses 110 tokens; 1000 is reached inside the first scenario.
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL, ADDRESS], options: { max_tokens: 1000 } });
  t.match(job, { status: 'done', report: { stop_reason: 'budget' } });
  const total = Object.values(job.usage as Record<string, { total_tokens: number }>).reduce((sum, u) => sum + u.total_tokens, 0);
  t.ok(total >= 1000 && total < 1000 + 110, `stopped within one call of max_tokens (${total})`);
  t.match(job.errors, [
    { step: 0, source_id: 'cancel-1', error: /stopped: the job's budget is used up \(1\d{3} of max_tokens 1000\)/ },
    { step: 1, source_id: 'address-1', error: /not started: the job stopped \(budget\)/ },
  ]);

  const { run: runPriced } = await teacherSetup(t, { TEACHER_CONCURRENCY: '1', MODEL_PRICES: JSON.stringify({ 'teacher-model': { input: 100, output: 100 }, 'student-model': { input: 0, output: 0 }, 'customer-model': { input: 0, output: 0 } }) });
  // A teacher-model call costs (100 + 10) × 100 / 1e6 = $0.011.
  const priced = await runPriced({ kind: 'scenarios', scenarios: [CANCEL], options: { max_cost_usd: 0.05 } });
  t.equal(priced.report.stop_reason, 'budget');
  t.ok(priced.estimated_cost_usd >= 0.05 && priced.estimated_cost_usd < 0.05 + 0.011, `stopped within one call of max_cost_usd ($${priced.estimated_cost_usd})`);
});
