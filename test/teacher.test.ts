import t from 'tap';
import { admin } from './helpers/app.js';
import { ENTRIES, MODELS, POLICY, SKIPPING_REPLY, VERIFIED_REPLY, VERIFY_CLAUSE, type LlmRequest } from './helpers/fake-llm.js';
import { importEntries } from './helpers/library.js';
import { ADDRESS, CANCEL, teacherSetup } from './helpers/teacher.js';

const last = (r: LlmRequest) => r.messages.at(-1)?.content ?? '';
const KEY = 'cancel-1:cancellation-requested-identity-not-verified';

t.test('a scenario job finds the shortfall, writes guidance for it, and its measured lift is shown', async (t) => {
  const prices = { [MODELS.teacher]: { input: 10, output: 30 }, [MODELS.student]: { input: 0.1, output: 0.4 }, [MODELS.customer]: { input: 1, output: 2 } };
  const { fake, run, entry, evidence, app, lib } = await teacherSetup(t, { MODEL_PRICES: JSON.stringify(prices) });
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL] });
  t.match(job, { status: 'done', kind: 'scenarios', progress: { done: 1, failed: 0, total: 1 }, merged_entry_ids: [], errors: [] });
  t.same(job.options, {
    max_turns: 6, rounds: 2, auto_approve: false, rollouts: 3, samples: 5, min_lift: 0, seed: 0, max_rounds: 1, min_gain: 0.05, max_tokens: null, max_cost_usd: null,
  });
  t.same(job.models, { ...MODELS, judge: MODELS.teacher });
  t.same(job.judge, { model: MODELS.teacher, separate: false }, 'the job says the teacher judged');
  t.equal(job.produced_entry_ids.length, 1);

  const written = await entry(job.produced_entry_ids[0]);
  // Version 1 is the draft the acceptance test retrieved; version 2 records its verdict.
  t.match(written, { status: 'draft', scenario: ENTRIES.cancel.scenario, guidance: ENTRIES.cancel.guidance, policy_refs: [VERIFY_CLAUSE], version: 2 });
  t.ok(written.tags.includes('teacher') && written.tags.includes('identity'));
  t.notOk(written.tags.includes('lift-not-shown'));
  t.same(written.examples, [CANCEL.opening], 'what the customer said in the states, for retrieval');
  t.match(written.provenance, {
    source: 'teacher',
    job_id: job.id,
    decision_key: KEY,
    source_id: 'cancel-1',
    retest_passed: true,
    lift: 1,
    policy_conflict: false,
    models: { ...MODELS, judge: MODELS.teacher },
    prompts: { customer: 'customer.v1', agent: 'agent.v1', compare: 'compare.v1', write: 'write.v3', judge: 'judge.v3', refine: 'refine.v3', 'policy-check': 'policy-check.v1' },
    sources: [{ job_id: job.id, decision_key: KEY, source_id: 'cancel-1' }],
  });

  const [proof] = (await evidence(written.id)).items;
  t.match(proof, { job_id: job.id, action: 'created', source_id: 'cancel-1', decision_key: KEY, retest_passed: true, policy_conflict: false, entry_version: 2 });
  t.match(proof.evidence, {
    round: 0,
    situation: 'Cancellation requested, identity not verified',
    states: [0, 1, 2].map((rollout) => ({
      key: rollout === 0 ? 'cancel-1#1' : `cancel-1/${rollout}#1`,
      turn: 1,
      state: [{ role: 'user', content: CANCEL.opening }],
      student_reply: SKIPPING_REPLY,
      teacher_reply: VERIFIED_REPLY,
      judgement: { shortfall: true, kinds: ['missed_step'] },
    })),
    siblings: [],
    acceptance: {
      accepted: true,
      student_model: MODELS.student,
      judge_model: MODELS.teacher,
      rounds: [{ round: 0, lift: { passed_with: 15, n_with: 15, passed_without: 0, n_without: 15, lift: 1, states: 3, retrieved_states: 3, best_rank: 1, retrieved: true, accepted: true } }],
    },
    policy_check: { conflict: false },
  });
  t.ok(proof.evidence.acceptance.rounds[0].lift.interval[0] > 0.7, 'an effect of 1 on 15 samples per arm: the interval is well above 0');

  // The student was served as in production: one composed system prompt with the firm policy.
  const studentCalls = fake.requests.filter((r) => r.role === 'student');
  t.equal(studentCalls.length, 3 + 3 * 5 * 2, 'a turn per rollout, then 5 samples per state with the note and 5 without');
  t.match(studentCalls[0]!.messages[0]!, { role: 'system', content: /# Firm policy \(authoritative\)/ });
  t.ok(studentCalls[0]!.messages[0]!.content.includes(POLICY));
  t.same(studentCalls.slice(0, 3).map((r) => r.seed), [0, 1, 2], 'rollout r is seeded seed + r');
  const sampled = studentCalls.slice(3);
  t.ok(sampled.every((r) => r.seed! >= 100 && r.seed! < 105), 'sample i is seeded seed + 100 + i');
  const withNote = sampled.filter((r) => r.messages[0]!.content.includes(`<note id="${written.id}" version="1">`));
  t.equal(withNote.length, 15, 'the draft was retrieved and composed, as in production, in the arm with it');
  t.ok(sampled.every((r) => JSON.stringify(r.messages.slice(1)) === JSON.stringify([{ role: 'user', content: CANCEL.opening }])), 'replaying the state');
  const write = fake.requests.find((r) => r.schema === 'guidance_entry')!;
  t.ok(write.messages[0]!.content.startsWith('You write one entry of a coaching library'), 'the versioned prompt file is the system prompt');
  const move = fake.requests.find((r) => r.role === 'teacher' && r.schema === '')!;
  t.same(move.messages.slice(1), [{ role: 'user', content: CANCEL.opening }], 'the teacher answers the prefix the student saw, nothing after it');

  // teacher: a move per rollout, write, policy check; judge: a verdict per rollout and one per sample.
  const price = (calls: number, input: number, output: number) => Math.round(((calls * 100 * input + calls * 10 * output) / 1e6) * 1e6) / 1e6;
  t.same(job.usage.teacher, { model: MODELS.teacher, calls: 5, prompt_tokens: 500, completion_tokens: 50, total_tokens: 550, estimated_cost_usd: price(5, 10, 30) });
  t.same(job.usage.judge, { model: MODELS.teacher, calls: 33, prompt_tokens: 3300, completion_tokens: 330, total_tokens: 3630, estimated_cost_usd: price(33, 10, 30) });
  t.match(job.usage.student, { calls: 33, total_tokens: 3630, estimated_cost_usd: price(33, 0.1, 0.4) });
  t.match(job.usage.customer, { calls: 3, total_tokens: 330, estimated_cost_usd: price(3, 1, 2) });
  t.equal(job.estimated_cost_usd, Math.round((price(5, 10, 30) + price(33, 10, 30) + price(33, 0.1, 0.4) + price(3, 1, 2)) * 1e6) / 1e6);

  const review = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${lib.id}/guidance/${written.id}/review`,
    headers: admin,
    payload: { decision: 'approve', reason: 'verified against the policy' },
  });
  t.equal(review.statusCode, 200, review.body);
  t.equal(review.json().entry.status, 'approved');
  const history = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${written.id}/history`, headers: admin })).json().items;
  t.equal(history[0].reason, 'approve: verified against the policy');
  const noReason = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/${written.id}/review`, headers: admin, payload: { decision: 'reject' } });
  t.equal(noReason.statusCode, 400);
  t.match(noReason.json().error.message, /body\.reason/);
});

t.test('auto_approve approves entries whose lift was shown, but a policy conflict keeps a draft', async (t) => {
  const { fake, run, entry, evidence } = await teacherSetup(t);
  fake.on('teacher:policy_check', (r) =>
    /address/i.test(last(r))
      ? { json: { conflict: true, clauses: [VERIFY_CLAUSE], explanation: 'changes an order before verification' } }
      : { json: { conflict: false, clauses: [], explanation: 'fine' } },
  );
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL, ADDRESS], options: { auto_approve: true } });
  t.match(job, { status: 'done', progress: { done: 2, total: 2 } });
  const written = await Promise.all(job.produced_entry_ids.map((id: string) => entry(id)));
  const cancel = written.find((e) => e.scenario === ENTRIES.cancel.scenario);
  const address = written.find((e) => e.scenario === ENTRIES.address.scenario);
  t.equal(cancel.status, 'approved', 'passed, no conflict');
  t.equal(address.status, 'draft', 'the conflict blocks approval');
  t.ok(address.tags.includes('policy-conflict'));
  t.equal(address.provenance.policy_conflict, true);
  const [proof] = (await evidence(address.id)).items;
  t.match(proof, { policy_conflict: true, evidence: { policy_check: { conflict: true, clauses: [VERIFY_CLAUSE] } } });
});

t.test('a note with no effect (the student ignores guidance) is not accepted: its lift interval covers 0; refined `rounds` times, kept as a marked draft', async (t) => {
  const { fake, run, entry, evidence } = await teacherSetup(t);
  // Planted truth: the student verifies in 2 of 5 samples whatever it is told.
  fake.on('student', (r) => ({ content: r.seed !== undefined && r.seed >= 100 && r.seed % 5 < 2 ? VERIFIED_REPLY : SKIPPING_REPLY }));
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL], options: { rounds: 1, auto_approve: true } });
  t.equal(job.status, 'done');
  const written = await entry(job.produced_entry_ids[0]);
  t.equal(written.status, 'draft', 'never approved, auto_approve or not');
  t.ok(written.tags.includes('lift-not-shown'));
  t.equal(written.provenance.retest_passed, false);
  t.equal(fake.count('teacher:refined_entry'), 1);
  const [proof] = (await evidence(written.id)).items;
  const rounds = proof.evidence.acceptance.rounds;
  t.equal(rounds.length, 2, 'measured, refined once, measured again');
  for (const { lift } of rounds) {
    t.equal(lift.passed_with, lift.passed_without, 'the same replies with the note and without');
    t.equal(lift.lift, 0);
    t.ok(lift.interval[0] < 0 && lift.interval[1] > 0, `the interval [${lift.interval}] covers 0`);
    t.equal(lift.retrieved, true, 'it was retrieved: the student simply ignores it');
    t.equal(lift.accepted, false);
  }
  t.match(fake.requests.find((r) => r.schema === 'refined_entry')!.messages[1]!.content, /matched the expert 6 of 15 times with the note, 6 of 15 without it/);
});

t.test('a near-duplicate draft becomes a new version of it, not a copy, examples and sources merged', async (t) => {
  const { run, entry, evidence, entries, app, lib } = await teacherSetup(t);
  const {
    ids: [existing],
  } = await importEntries(app, lib.id, [
    { external_id: 'cancel-existing', scenario: ENTRIES.cancel.scenario, guidance: 'Be polite.', examples: ['cancel my order please'], status: 'draft', provenance: { ticket: 'T-1' } },
  ]);
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL] });
  t.match(job, { status: 'done', produced_entry_ids: [], merged_entry_ids: [existing], revised_entry_ids: [] });
  t.equal((await entries()).length, 1, 'no copy');
  const merged = await entry(existing!);
  t.match(merged, { external_id: 'cancel-existing', status: 'draft', guidance: `Be polite. ${ENTRIES.cancel.guidance}` });
  t.same(merged.examples, ['cancel my order please', CANCEL.opening], 'the examples kept, the new ones added once');
  t.equal(merged.provenance.source, 'teacher');
  t.match(merged.provenance.sources, [{ ticket: 'T-1', source: 'api' }, { job_id: job.id, decision_key: KEY }], 'every source that contributed');
  const history = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${existing}/history`, headers: admin })).json().items;
  t.same(history.map((v: { version: number }) => v.version), [3, 2, 1]);
  t.match(history[1].reason, /near-duplicate merged/);
  const [proof] = (await evidence(existing!)).items;
  t.match(proof, { action: 'merged', entry_version: 3, evidence: { merged_into: { id: existing, version: 1 }, acceptance: { accepted: true } } });
});

t.test('transcripts: guidance for the decision points of real conversations', async (t) => {
  const { run, entry, evidence } = await teacherSetup(t);
  const messages = [
    { role: 'user', content: 'Change the delivery address of order 77 to 5 Main St.' },
    { role: 'assistant', content: 'Done, the address is updated.' },
    { role: 'user', content: 'Wait, someone else just changed my address?!' },
  ];
  const job = await run({ kind: 'transcripts', transcripts: [{ id: 'conv-77', messages, outcome: 'account takeover reported' }] });
  t.match(job, { status: 'done', kind: 'transcripts', progress: { done: 1, total: 1 } });
  const written = await entry(job.produced_entry_ids[0]);
  t.equal(written.scenario, ENTRIES.address.scenario);
  const [proof] = (await evidence(written.id)).items;
  t.match(proof, { source_id: 'conv-77', decision_key: 'conv-77#1', evidence: { states: [{ student_reply: 'Done, the address is updated.', teacher_reply: VERIFIED_REPLY }] } });
});

t.test('generate: the teacher writes scenarios from the policy, then each runs as a step', async (t) => {
  const { fake, run } = await teacherSetup(t);
  const job = await run({ kind: 'scenarios', generate: { count: 2 } });
  t.match(job, { status: 'done', progress: { done: 3, failed: 0, total: 3 } });
  t.equal(job.produced_entry_ids.length, 2);
  const generate = fake.requests.find((r) => r.schema === 'scenarios')!;
  t.match(last(generate), /Verify the customer's identity/);
  t.equal(fake.count('customer'), 2 * 3, 'each generated scenario was simulated, 3 rollouts each');
});
