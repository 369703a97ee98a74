import t from 'tap';
import { admin } from './helpers/app.js';
import { ENTRIES, MODELS, POLICY, SKIPPING_REPLY, VERIFIED_REPLY, VERIFY_CLAUSE, type LlmRequest } from './helpers/fake-llm.js';
import { importEntries } from './helpers/library.js';
import { ADDRESS, CANCEL, teacherSetup } from './helpers/teacher.js';

const last = (r: LlmRequest) => r.messages.at(-1)?.content ?? '';

t.test('a scenario job finds the shortfall, writes guidance for it, and the re-test passes', async (t) => {
  const prices = { [MODELS.teacher]: { input: 10, output: 30 }, [MODELS.student]: { input: 0.1, output: 0.4 }, [MODELS.customer]: { input: 1, output: 2 } };
  const { fake, run, entry, evidence, app, lib } = await teacherSetup(t, { MODEL_PRICES: JSON.stringify(prices) });
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL] });
  t.match(job, { status: 'done', kind: 'scenarios', progress: { done: 1, failed: 0, total: 1 }, merged_entry_ids: [], errors: [] });
  t.same(job.options, { max_turns: 6, rounds: 2, auto_approve: false });
  t.same(job.models, MODELS);
  t.equal(job.produced_entry_ids.length, 1);

  const written = await entry(job.produced_entry_ids[0]);
  t.match(written, { status: 'draft', scenario: ENTRIES.cancel.scenario, guidance: ENTRIES.cancel.guidance, policy_refs: [VERIFY_CLAUSE], version: 1 });
  t.ok(written.tags.includes('teacher') && written.tags.includes('identity'));
  t.notOk(written.tags.includes('retest-failed'));
  t.match(written.provenance, {
    source: 'teacher',
    job_id: job.id,
    decision_key: 'cancel-1#1',
    source_id: 'cancel-1',
    retest_passed: true,
    policy_conflict: false,
    models: MODELS,
    prompts: { customer: 'customer.v1', contrast: 'contrast.v2', write: 'write.v2', judge: 'judge.v2', refine: 'refine.v2', 'policy-check': 'policy-check.v1' },
  });

  const [proof] = (await evidence(written.id)).items;
  t.match(proof, { job_id: job.id, action: 'created', source_id: 'cancel-1', decision_key: 'cancel-1#1', retest_passed: true, policy_conflict: false, entry_version: 1 });
  t.match(proof.evidence, {
    turn: 1,
    state: [{ role: 'user', content: CANCEL.opening }],
    student_reply: SKIPPING_REPLY,
    teacher_reply: VERIFIED_REPLY,
    judgement: { shortfall: true, kinds: ['missed_step'] },
    retest: { passed: true, rounds: [{ round: 0, student_reply: VERIFIED_REPLY, passed: true }] },
    policy_check: { conflict: false },
  });

  // The student was served as in production: one composed system prompt with the firm policy.
  const studentCalls = fake.requests.filter((r) => r.role === 'student');
  t.equal(studentCalls.length, 2, 'the simulated turn and the re-test');
  t.match(studentCalls[0]!.messages[0]!, { role: 'system', content: /# Firm policy \(authoritative\)/ });
  t.ok(studentCalls[0]!.messages[0]!.content.includes(POLICY));
  t.match(studentCalls[1]!.messages[0]!.content, /<note id="candidate" version="0">/, 'the re-test composes the new guidance');
  t.same(studentCalls[1]!.messages.slice(1), [{ role: 'user', content: CANCEL.opening }], 'replaying the state');
  const write = fake.requests.find((r) => r.schema === 'guidance_entry')!;
  t.ok(write.messages[0]!.content.startsWith('You write one entry of a coaching library'), 'the versioned prompt file is the system prompt');

  // contrast, write, judge, policy check; two student turns; one customer turn (the opening was given).
  t.same(job.usage.teacher, { model: MODELS.teacher, calls: 4, prompt_tokens: 400, completion_tokens: 40, total_tokens: 440, estimated_cost_usd: 0.0052 });
  t.match(job.usage.student, { calls: 2, total_tokens: 220, estimated_cost_usd: 0.000028 });
  t.match(job.usage.customer, { calls: 1, total_tokens: 110, estimated_cost_usd: 0.00012 });
  t.equal(job.estimated_cost_usd, 0.005348);

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

t.test('auto_approve approves entries that passed, but a policy conflict keeps a draft', async (t) => {
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

t.test('guidance that never passes the re-test is kept as a draft marked so, after `rounds` refinements', async (t) => {
  const { fake, run, entry, evidence } = await teacherSetup(t);
  fake.on('student', () => ({ content: SKIPPING_REPLY }));
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL], options: { rounds: 1, auto_approve: true } });
  t.equal(job.status, 'done');
  const written = await entry(job.produced_entry_ids[0]);
  t.equal(written.status, 'draft');
  t.ok(written.tags.includes('retest-failed'));
  t.equal(written.provenance.retest_passed, false);
  t.equal(fake.count('teacher:refined_entry'), 1);
  t.equal(fake.count('teacher:retest_verdict'), 2);
  const [proof] = (await evidence(written.id)).items;
  t.match(proof.evidence.retest, { passed: false, rounds: [{ round: 0, passed: false }, { round: 1, passed: false }] });
});

t.test('a near-duplicate of an existing entry becomes a new version of it, not a copy', async (t) => {
  const { run, entry, evidence, entries, app, lib } = await teacherSetup(t);
  const {
    ids: [existing],
  } = await importEntries(app, lib.id, [{ external_id: 'cancel-existing', scenario: ENTRIES.cancel.scenario, guidance: 'Be polite.' }]);
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL] });
  t.match(job, { status: 'done', produced_entry_ids: [], merged_entry_ids: [existing] });
  t.equal((await entries()).length, 1, 'no copy');
  const merged = await entry(existing!);
  t.match(merged, { version: 2, external_id: 'cancel-existing', status: 'draft', guidance: `Be polite. ${ENTRIES.cancel.guidance}` });
  t.equal(merged.provenance.source, 'teacher');
  const history = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${existing}/history`, headers: admin })).json().items;
  t.same(history.map((v: { version: number }) => v.version), [2, 1]);
  t.match(history[0].reason, /near-duplicate merged/);
  const [proof] = (await evidence(existing!)).items;
  t.match(proof, { action: 'merged', entry_version: 2, evidence: { merged_into: { id: existing, version: 1 }, retest: { passed: true } } });
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
  t.match(proof, { source_id: 'conv-77', decision_key: 'conv-77#1', evidence: { student_reply: 'Done, the address is updated.', teacher_reply: VERIFIED_REPLY } });
});

t.test('generate: the teacher writes scenarios from the policy, then each runs as a step', async (t) => {
  const { fake, run } = await teacherSetup(t);
  const job = await run({ kind: 'scenarios', generate: { count: 2 } });
  t.match(job, { status: 'done', progress: { done: 3, failed: 0, total: 3 } });
  t.equal(job.produced_entry_ids.length, 2);
  const generate = fake.requests.find((r) => r.schema === 'scenarios')!;
  t.match(last(generate), /Verify the customer's identity/);
  t.equal(fake.count('customer'), 2, 'each generated scenario was simulated');
});
