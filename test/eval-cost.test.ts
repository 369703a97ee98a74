import { readFile } from 'node:fs/promises';
import t from 'tap';
import { armCost, breakEven, buildCost, priceOf } from '../src/evaluation/cost.js';
import { createKey } from './helpers/app.js';
import { run, taughtDesk, TEST_SCENARIOS } from './helpers/eval-desk.js';

const PRICES = { dear: { input: 10, output: 30 }, cheap: { input: 1, output: 2 } };

t.test('a price per million tokens, input and output apart; no price is null, not free', async (t) => {
  t.equal(priceOf({ model: 'dear', prompt_tokens: 1000, completion_tokens: 100 }, PRICES), (1000 * 10 + 100 * 30) / 1e6);
  t.equal(priceOf({ model: 'unknown', prompt_tokens: 1, completion_tokens: 1 }, PRICES), null);
});

t.test('an arm: tokens and cost per conversation, and per resolved task', async (t) => {
  const conversation = (prompt: number, completion: number, resolved: boolean) => ({ usage: { model: 'cheap', prompt_tokens: prompt, completion_tokens: completion }, resolved });
  const cost = armCost([conversation(300, 30, true), conversation(100, 10, false), conversation(200, 20, true)], PRICES);
  // Total: (600 × 1 + 60 × 2) / 1e6 = 0.00072 over 3 conversations, 2 of them resolved.
  t.same(cost, {
    agent_model: 'cheap',
    conversations: 3,
    prompt_tokens_per_conversation: 200,
    completion_tokens_per_conversation: 20,
    cost_usd_per_conversation: 0.00072 / 3,
    resolved: 2,
    cost_usd_per_resolved: 0.00072 / 2,
  });
  t.equal(armCost([conversation(1, 1, false)], PRICES).cost_usd_per_resolved, null, 'nothing resolved: no cost per resolved task');
  t.equal(armCost([{ usage: { model: 'unknown', prompt_tokens: 1, completion_tokens: 1 }, resolved: true }], PRICES).cost_usd_per_conversation, null);
});

t.test("the library's build cost sums every role of every job, each at its own model's price", async (t) => {
  const job = (id: string, teacher: number) => ({
    id,
    usage: {
      teacher: { model: 'dear', prompt_tokens: teacher, completion_tokens: teacher / 10 },
      student: { model: 'cheap', prompt_tokens: 200, completion_tokens: 20 },
      customer: { model: 'unpriced', prompt_tokens: 0, completion_tokens: 0 },
    },
  });
  const cost = buildCost([job('a', 1000), job('b', 3000)], PRICES);
  // teacher: 4000 × 10 + 400 × 30 = 52000 → 0.052; student: 400 × 1 + 40 × 2 = 480 → 0.00048; customer made no call.
  t.same(cost.jobs, ['a', 'b']);
  t.same(cost.by_role.teacher, { models: ['dear'], prompt_tokens: 4000, completion_tokens: 400, cost_usd: 0.052 });
  t.equal(cost.by_role.customer!.cost_usd, 0, 'a role without calls costs nothing even unpriced');
  t.equal(cost.teacher_tokens, 4400);
  t.equal(cost.tokens, 4400 + 440);
  t.ok(Math.abs(cost.cost_usd! - 0.05248) < 1e-12);
  const unpriced = buildCost([{ id: 'c', usage: { teacher: { model: 'unpriced', prompt_tokens: 1, completion_tokens: 0 } } }], PRICES);
  t.equal(unpriced.cost_usd, null);
});

t.test('break-even: the smallest N with build + N × coach < N × teacher', async (t) => {
  t.match(breakEven(1, 0.1, 0.2), { conversations: 11 }, '1 / 0.1 = 10 exactly: at 10 they are equal, at 11 coach is cheaper');
  t.match(breakEven(1, 0.1, 0.25), { conversations: 7 }, '1 / 0.15 = 6.67');
  t.match(breakEven(0, 0.1, 0.2), { conversations: 1 });
  t.match(breakEven(1, 0.2, 0.2), { conversations: null, reason: /never becomes cheaper/ });
  t.match(breakEven(null, 0.1, 0.2), { conversations: null, reason: /MODEL_PRICES/ });
  t.match(breakEven(1, null, 0.2), { conversations: null, reason: /coach arm's agent model has no price/ });
});

t.test('end to end: the teacher job that built the library, what each arm costs, and the break-even, by hand', async (t) => {
  const d = await taughtDesk(t);
  const file = await d.scenarios(TEST_SCENARIOS);
  const { report, files } = await run(d, file, ['--arms', 'student,coach,teacher', '--seeds', '1', '--no-pairwise']);
  // The job, as the fake counts it (100 prompt + 10 completion tokens a call): the teacher 5 calls, the student 33
  // (rollouts, and the lift's samples with and without the note), the customer 3, the judge 33 (the contrast and
  // each sample's verdict).
  const { cost_usd: buildUsd, ...build } = report.cost.library_build as { cost_usd: number };
  t.same(build, {
    jobs: [d.jobId],
    by_role: {
      teacher: { models: ['teacher-model'], prompt_tokens: 500, completion_tokens: 50, cost_usd: (500 * 10 + 50 * 30) / 1e6 },
      student: { models: ['student-model'], prompt_tokens: 3300, completion_tokens: 330, cost_usd: (3300 * 1 + 330 * 2) / 1e6 },
      customer: { models: ['customer-model'], prompt_tokens: 300, completion_tokens: 30, cost_usd: (300 * 1 + 30 * 2) / 1e6 },
      judge: { models: ['judge-model'], prompt_tokens: 3300, completion_tokens: 330, cost_usd: (3300 * 1 + 330 * 2) / 1e6 },
    },
    teacher_tokens: 550,
    tokens: 8140,
  });
  t.ok(Math.abs(buildUsd - (0.0065 + 0.00396 + 0.00036 + 0.00396)) < 1e-12, 'the build costs $0.01478');
  // Per conversation, one agent call: coach (the student) (100 + 20) / 1e6 = 0.00012; teacher (1000 + 300) / 1e6 = 0.0013.
  t.equal(report.cost.arms.coach!.cost_usd_per_conversation, 0.00012);
  t.equal(report.cost.arms.teacher!.cost_usd_per_conversation, 0.0013);
  // 0.01478 / (0.0013 − 0.00012) = 12.5…: after 13 conversations coach is cheaper (0.01634 < 0.0169; at 12, 0.01622 > 0.0156).
  t.match(report.cost.break_even, { conversations: 13, coach_cost_usd_per_conversation: 0.00012, teacher_cost_usd_per_conversation: 0.0013 });
  t.ok(Math.abs((report.cost.break_even as { build_cost_usd: number }).build_cost_usd - 0.01478) < 1e-12);
  t.same(report.cost.arms.coach!.cost_usd_per_resolved, 0.00012, 'both coach conversations resolved (resolution 6)');
  t.equal(report.cost.arms.student!.resolved, 0);
  const summary = await readFile(files.summary, 'utf8');
  t.match(summary, '1 teacher job(s): 8140 tokens, of which 550 the teacher\'s; cost $0.01478.');
  t.match(summary, 'Break-even: after **13 conversations** serving coach');
  t.match(summary, '| teacher | teacher-model | 2 | 100 + 10 | $0.00130 | 2 | $0.00130 |');
});

t.test('a key that cannot read teacher jobs: the build cost is unavailable, and says why', async (t) => {
  const d = await taughtDesk(t);
  const { key } = await createKey(d.app, { role: 'student' });
  const file = await d.scenarios([TEST_SCENARIOS[0]!]);
  const { report } = await run({ ...d, env: { ...d.env, COACH_API_KEY: key } }, file, ['--arms', 'coach,teacher', '--seeds', '1', '--no-pairwise']);
  t.match(report.cost.library_build, { unavailable: /teacher jobs could not be read \(GET \/v1\/jobs\/.* answered 403.*admin or teacher key/ });
  t.match(report.cost.break_even, { conversations: null, reason: /could not be read/ });
});
