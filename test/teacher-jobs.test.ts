import t from 'tap';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { ENTRIES, FakeLlm, VERIFY_CLAUSE } from './helpers/fake-llm.js';
import { createLibrary } from './helpers/library.js';
import { ADDRESS, CANCEL, teacherSetup } from './helpers/teacher.js';
import { waitFor } from './helpers/wait-for.js';

const NO_OPENING = { id: 'no-opening', description: 'Wants an order cancelled', customer_goal: 'cancel' };

t.test('invalid job bodies are refused with 400 naming the field', async (t) => {
  const { teach } = await teacherSetup(t);
  const transcript = { id: 'c', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] };
  const cases: Array<[object, RegExp]> = [
    [{ scenarios: [CANCEL] }, /body\.kind/],
    [{ kind: 'lessons', scenarios: [CANCEL] }, /body\.kind/],
    [{ kind: 'scenarios', scenarios: [{ ...CANCEL, customer_goal: undefined }] }, /body\.scenarios\.0\.customer_goal/],
    [{ kind: 'scenarios', scenarios: [{ ...CANCEL, mood: 'angry' }] }, /body\.scenarios\.0\.mood.*unknown field/],
    [{ kind: 'scenarios', scenarios: [] }, /body\.scenarios must NOT have fewer than 1 items/],
    [{ kind: 'scenarios' }, /body\.scenarios or body\.generate is required/],
    [{ kind: 'scenarios', scenarios: [CANCEL], generate: { count: 2 } }, /body\.scenarios or body\.generate .*not both/],
    [{ kind: 'scenarios', generate: { count: 0 } }, /body\.generate\.count/],
    [{ kind: 'scenarios', scenarios: [CANCEL, CANCEL] }, /body\.scenarios\.1\.id "cancel-1" appears twice/],
    [{ kind: 'scenarios', scenarios: [CANCEL], options: { rounds: 9 } }, /body\.options\.rounds/],
    [{ kind: 'scenarios', scenarios: [CANCEL], options: { max_turns: '3' } }, /body\.options\.max_turns must be integer/],
    [{ kind: 'scenarios', scenarios: [CANCEL], transcripts: [transcript] }, /body\.transcripts is only for kind "scenarios"|body\.transcripts is only for kind "transcripts"/],
    [{ kind: 'transcripts' }, /body\.transcripts is required/],
    [{ kind: 'transcripts', transcripts: [transcript], scenarios: [CANCEL] }, /body\.scenarios is only for kind "scenarios"/],
    [{ kind: 'transcripts', transcripts: [{ ...transcript, messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }] }, /body\.transcripts\.0\.messages has no agent/],
    [{ kind: 'transcripts', transcripts: [{ ...transcript, messages: [{ role: 'bot', content: 'a' }, { role: 'user', content: 'b' }] }] }, /body\.transcripts\.0\.messages\.0\.role/],
    [{ kind: 'scenarios', scenarios: [CANCEL], models: { grader: 'x' } }, /body\.models\.grader.*unknown field/],
    [{ kind: 'scenarios', scenarios: [CANCEL], options: { max_rounds: 3 } }, /body\.validation is required when options\.max_rounds is above 1/],
    [{ kind: 'transcripts', transcripts: [transcript], validation: [CANCEL] }, /body\.validation is only for kind "scenarios"/],
    [{ kind: 'validate', scenarios: [CANCEL] }, /body\.scenarios is not for kind "validate"/],
    [{ kind: 'validate' }, /body\.kind "validate" needs approved entries/],
    [{ kind: 'scenarios', scenarios: [CANCEL], options: { rollouts: 0 } }, /body\.options\.rollouts/],
    [{ kind: 'scenarios', scenarios: [CANCEL], options: { max_cost_usd: 0 } }, /body\.options\.max_cost_usd/],
  ];
  for (const [payload, message] of cases) {
    const res = await teach(payload);
    t.equal(res.statusCode, 400, `${JSON.stringify(payload).slice(0, 80)}: ${res.body}`);
    t.match(res.json().error, { code: 'validation_error', message }, JSON.stringify(payload).slice(0, 80));
  }
});

t.test('roles, scopes and missing configuration', async (t) => {
  const { app, lib, teach } = await teacherSetup(t);
  const student = await createKey(app, { role: 'student', library_ids: [lib.id] });
  const forbidden = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/teach`, headers: bearer(student.key), payload: { kind: 'scenarios', scenarios: [CANCEL] } });
  t.equal(forbidden.statusCode, 403);
  const { job_id } = (await teach({ kind: 'scenarios', scenarios: [CANCEL] })).json();
  const other = await createKey(app, { role: 'teacher', library_ids: [(await createLibrary(app)).id] });
  t.equal((await app.inject({ method: 'GET', url: `/v1/jobs/${job_id}`, headers: bearer(other.key) })).statusCode, 404, 'a job of a library out of scope is absent');
  t.equal((await app.inject({ method: 'GET', url: '/v1/jobs/00000000-0000-4000-8000-000000000000', headers: admin })).statusCode, 404);

  const fake = await FakeLlm.start(t);
  const env = fake.env();
  const without = (prefix: string) => Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith(prefix)));
  for (const [missing, variable] of [['TEACHER_', 'TEACHER_BASE_URL'], ['STUDENT_', 'STUDENT_BASE_URL']] as const) {
    const { app: bare } = await testApp(t, { env: without(missing) });
    const library = await createLibrary(bare);
    const res = await bare.inject({ method: 'POST', url: `/v1/libraries/${library.id}/teach`, headers: admin, payload: { kind: 'scenarios', scenarios: [CANCEL] } });
    t.equal(res.statusCode, 503, res.body);
    t.match(res.json().error.message, new RegExp(variable));
  }
});

t.test('the customer simulator defaults to the teacher model, and a job may name other models', async (t) => {
  const fake = await FakeLlm.start(t);
  const env = Object.fromEntries(Object.entries(fake.env()).filter(([k]) => !k.startsWith('CUSTOMER_')));
  const { app } = await testApp(t, { env });
  const library = await createLibrary(app);
  const res = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${library.id}/teach`,
    headers: admin,
    payload: { kind: 'scenarios', scenarios: [CANCEL], models: { student: 'student-model-2' } },
  });
  t.equal(res.statusCode, 202, res.body);
  await app.inject({ method: 'POST', url: `/v1/jobs/${res.json().job_id}/cancel`, headers: admin });
  const job = (await app.inject({ method: 'GET', url: `/v1/jobs/${res.json().job_id}`, headers: admin })).json();
  t.same(job.models, { teacher: 'teacher-model', student: 'student-model-2', customer: 'teacher-model', judge: 'teacher-model' });
});

t.test('429, 500 and timeouts of the teacher are retried with backoff', async (t) => {
  const { fake, run } = await teacherSetup(t, { TEACHER_TIMEOUT_MS: '400' });
  fake.fault('teacher:turn_verdict', { status: 429, retryAfterMs: 10 }, { status: 500, retryAfterMs: 10 });
  fake.fault('teacher:policy_check', { hang: true });
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL], options: { rollouts: 1 } });
  t.same(job.errors, [], 'no step failed');
  t.equal(job.status, 'done');
  t.equal(job.produced_entry_ids.length, 1);
  t.equal(fake.count('teacher:turn_verdict'), 3, '429, 500, then the answer');
  t.equal(fake.count('teacher:policy_check'), 2, 'the timed-out call was made again');
  const hung = fake.requests.find((r) => r.schema === 'policy_check')!;
  await hung.closed;
  t.ok(hung.closedEarly, 'the client gave up on the hung call');
});

t.test('a model that keeps failing fails the step with the upstream error, reported per step', async (t) => {
  const { fake, run } = await teacherSetup(t);
  fake.fault('student', { status: 503 });
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL] });
  t.match(job, { status: 'failed', progress: { done: 1, failed: 1, total: 1 }, produced_entry_ids: [] });
  t.match(job.errors, [{ step: 0, source_id: 'cancel-1', error: /student model student-model answered 503/ }]);
});

t.test('a job some of whose steps failed ends partial, never done', async (t) => {
  const { fake, run } = await teacherSetup(t);
  fake.fault('student', { status: 503 });
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL, ADDRESS], options: { rollouts: 1, samples: 1 } });
  t.match(job, { status: 'partial', progress: { done: 2, failed: 1, total: 2 } });
  t.equal(job.errors.length, 1);
  t.match(job.errors[0].error, /student model student-model answered 503/);
  t.equal(job.produced_entry_ids.length, 1, 'the step that succeeded wrote its entry');
});

t.test('invalid JSON from the teacher is repaired once, or reported', async (t) => {
  const { fake, run, entry } = await teacherSetup(t);
  fake.fault('teacher:turn_verdict', { content: 'Sure! Here is my analysis: {"shortfall": [' });
  fake.fault('teacher:guidance_entry', { json: { ...ENTRIES.cancel, policy_refs: ['Always refund on request.'], tags: [], rationale: 'r' } });
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL], options: { rollouts: 1 } });
  t.same(job.errors, [], 'no step failed');
  t.equal(job.status, 'done');
  t.equal(fake.count('teacher:turn_verdict'), 2);
  const repair = fake.requests.filter((r) => r.schema === 'turn_verdict')[1]!;
  t.match(repair.messages.at(-1)!.content, /not valid JSON/);
  t.equal(repair.messages.at(-2)!.role, 'assistant', 'the invalid answer is shown back');
  const entryRepair = fake.requests.filter((r) => r.schema === 'guidance_entry')[1]!;
  t.match(entryRepair.messages.at(-1)!.content, /"Always refund on request\." is not quoted exactly from the firm policy/);
  t.same((await entry(job.produced_entry_ids[0])).policy_refs, [VERIFY_CLAUSE]);

  fake.fault('teacher:guidance_entry', { content: 'no JSON here' }, { json: { scenario: 'x' } });
  const failed = await run({ kind: 'scenarios', scenarios: [{ ...CANCEL, id: 'cancel-2' }], options: { rollouts: 1 } });
  // The decision failed alone: its step (and the job) went on and ended without it.
  t.match(failed, { status: 'done', produced_entry_ids: [], errors: [] });
  t.match(failed.failed_decisions, [{ step: 0, key: /^cancel-2:/, error: /teacher's guidance_entry answer was invalid after one repair attempt: .*guidance/ }]);
});

t.test('cancel stops a running job at once; finished jobs cannot be cancelled', async (t) => {
  const { fake, app, teach, job, entries } = await teacherSetup(t, { TEACHER_CONCURRENCY: '1' });
  fake.fault('customer', { hang: true });
  const { job_id } = (await teach({ kind: 'scenarios', scenarios: [NO_OPENING, { ...NO_OPENING, id: 'second' }] })).json();
  await waitFor(() => fake.count('customer') > 0, { timeout: 30_000, message: 'the customer simulator was never called' });
  const cancel = await app.inject({ method: 'POST', url: `/v1/jobs/${job_id}/cancel`, headers: admin });
  t.equal(cancel.statusCode, 200, cancel.body);
  t.equal(cancel.json().status, 'cancelled');
  const hung = fake.requests.find((r) => r.role === 'customer')!;
  await hung.closed;
  t.ok(hung.closedEarly, 'the call in flight was abandoned');
  // A fixed pause: that the other scenario never starts can only be seen by letting time pass.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const view = await job(job_id);
  t.match(view, { status: 'cancelled', progress: { done: 0, total: 2 }, produced_entry_ids: [] });
  t.equal(fake.count('customer'), 1, 'the other scenario never started');
  t.same(await entries(), []);
  const again = await app.inject({ method: 'POST', url: `/v1/jobs/${job_id}/cancel`, headers: admin });
  t.equal(again.statusCode, 409);
  t.match(again.json().error.message, /already cancelled/);
});
