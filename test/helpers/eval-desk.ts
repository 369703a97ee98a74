import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Test } from 'tap';
import { parseCli } from '../../src/evaluation/cli-options.js';
import { evaluate } from '../../src/evaluation/runner.js';
import { evaluationSetup } from '../../src/evaluation/setup.js';
import { ADMIN_KEY, testApp } from './app.js';
import type { FastifyInstance } from 'fastify';
import { ENTRIES, FakeLlm, JUDGE_MODEL, POLICY, scriptSupportDesk, SKIPPING_REPLY, VERIFIED_REPLY, type LlmRequest } from './fake-llm.js';
import { jobClient } from './teacher.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './library.js';

/**
 * A scripted support desk for the dialogue evaluation, on the teacher tests' fake server: a student
 * that verifies identity only when a coaching note tells it to, a teacher that always does, a
 * customer who leaves after the first answer and is happy only when verified, and a judge (its
 * own model, not the teacher) that scores on that one policy step.
 */
export const VERIFYING = 'full name and order number';

const system = (r: LlmRequest) => r.messages.find((m) => m.role === 'system')?.content ?? '';
const firstUser = (r: LlmRequest) => r.messages.find((m) => m.role === 'user')?.content ?? '';
/** In a numbered transcript, whether an agent turn asked for verification. */
const verifiedIn = (transcript: string) => /^\[\d+\] agent: .*full name/m.test(transcript);

export const GOOD_SCORES = { resolution: 6, policy_correctness: 7, empathy: 5, efficiency: 6, violations: [], explanation: 'verified first' };
export const BAD_SCORES = { resolution: 3, policy_correctness: 2, empathy: 4, efficiency: 5, violations: ['changed the order before verifying identity'], explanation: 'skipped verification' };

export type PairwiseJudge = 'fair' | 'always-A';

/** The teacher's generic playbook: sound advice, but not the verification step the student needs. */
export const GENERIC_PLAYBOOK = 'Greet the customer and find out what they need. Confirm the order number before any change. Never promise what the policy forbids.';

export function scriptEvalDesk(fake: FakeLlm, options: { pairwise?: PairwiseJudge } = {}): FakeLlm {
  return fake
    .on('student', (r) => ({ content: (system(r).split('<coaching_notes>')[1] ?? '').includes(VERIFYING) ? VERIFIED_REPLY : SKIPPING_REPLY }))
    .on('teacher', () => ({ content: VERIFIED_REPLY }))
    // The agent's messages are the customer model's `user` turns.
    .on('customer', (r) => ({ content: /full name/.test(r.messages.at(-1)?.content ?? '') ? 'Jane Doe, order 123. Thanks, bye. [END]' : 'Thanks, bye. [END]' }))
    .on('customer:customer_rating', (r) => ({ json: verifiedIn(firstUser(r)) ? { satisfaction: 5, reason: 'checked and done' } : { satisfaction: 2, reason: 'too careless' } }))
    .on('judge:dialogue_scores', (r) => ({ json: verifiedIn(firstUser(r)) ? GOOD_SCORES : BAD_SCORES }))
    .on('teacher:generic_playbook', () => ({ json: { playbook: GENERIC_PLAYBOOK } }))
    .on('judge:pairwise_verdict', (r) => {
      if (options.pairwise === 'always-A') return { json: { winner: 'A', explanation: 'first is better' } };
      const [, a = '', b = ''] = firstUser(r).split(/# Conversation [AB]\n/);
      const [va, vb] = [verifiedIn(a), verifiedIn(b)];
      return { json: { winner: va === vb ? 'tie' : va ? 'A' : 'B', explanation: 'the one that verified identity' } };
    });
}

/** A fine-tuned student that has learnt to verify: served as `student-model` on its own fake server. */
export function scriptFineTuned(fake: FakeLlm): FakeLlm {
  return fake.on('student', () => ({ content: VERIFIED_REPLY }));
}

// ---- A desk of planted quality: each arm's effect is known, and differs by kind of scenario ----

/**
 * Three kinds of reply, scored by the judge and rated by the customer in fixed ways. Asking for
 * the order number alone is the partial move the generic playbook teaches.
 */
export const PARTIAL_REPLY = 'Could you confirm your order number first?';
export type ReplyKind = 'verified' | 'partial' | 'skipping';
export const PLANTED: Record<ReplyKind, { reply: string; scores: typeof GOOD_SCORES | typeof BAD_SCORES; satisfaction: number }> = {
  verified: { reply: VERIFIED_REPLY, scores: { resolution: 7, policy_correctness: 7, empathy: 6, efficiency: 6, violations: [], explanation: 'verified first' }, satisfaction: 5 },
  partial: {
    reply: PARTIAL_REPLY,
    scores: { resolution: 5, policy_correctness: 4, empathy: 5, efficiency: 4, violations: ['did not ask for the full name'], explanation: 'half a verification' },
    satisfaction: 4,
  },
  skipping: {
    reply: SKIPPING_REPLY,
    scores: { resolution: 2, policy_correctness: 1, empathy: 4, efficiency: 5, violations: ['did not verify identity', 'changed the order unverified'], explanation: 'no verification' },
    satisfaction: 2,
  },
};
const RANK: Record<ReplyKind, number> = { skipping: 0, partial: 1, verified: 2 };

/** The kind of the first agent turn of a numbered transcript. */
function kindIn(transcript: string): ReplyKind {
  const reply = /^\[\d+\] agent: (.*)$/m.exec(transcript)?.[1] ?? '';
  return reply === VERIFIED_REPLY ? 'verified' : reply === PARTIAL_REPLY ? 'partial' : 'skipping';
}

/**
 * Planted effects. The student alone skips verification. With the generic playbook it asks for
 * the order number on cancellations only. With Coach's notes it verifies fully on cancellations
 * (the entry is about them) and partly on address changes. The teacher always verifies. The
 * fine-tuned student verifies on seed 1 and partly on seed 0, whatever the request.
 */
export function scriptPlantedDesk(fake: FakeLlm): FakeLlm {
  const reply = (kind: ReplyKind) => ({ content: PLANTED[kind].reply });
  return fake
    .on('student', (r) => {
      const notes = system(r).split('<coaching_notes>')[1] ?? '';
      const cancelling = /cancel/i.test(r.messages.find((m) => m.role === 'user')?.content ?? '');
      if (notes.includes(VERIFYING)) return reply(cancelling ? 'verified' : 'partial');
      if (notes.includes('Confirm the order number')) return reply(cancelling ? 'partial' : 'skipping');
      return reply('skipping');
    })
    .on('teacher', () => reply('verified'))
    .on('customer', () => ({ content: 'Thanks, bye. [END]' }))
    .on('customer:customer_rating', (r) => ({ json: { satisfaction: PLANTED[kindIn(firstUser(r))].satisfaction, reason: 'as it went' } }))
    .on('judge:dialogue_scores', (r) => ({ json: PLANTED[kindIn(firstUser(r))].scores }))
    .on('teacher:generic_playbook', () => ({ json: { playbook: GENERIC_PLAYBOOK } }))
    .on('judge:pairwise_verdict', (r) => {
      const [, a = '', b = ''] = firstUser(r).split(/# Conversation [AB]\n/);
      const [ra, rb] = [RANK[kindIn(a)], RANK[kindIn(b)]];
      return { json: { winner: ra === rb ? 'tie' : ra > rb ? 'A' : 'B', explanation: 'the more complete verification' } };
    });
}

export function scriptPlantedFineTuned(fake: FakeLlm): FakeLlm {
  return fake.on('student', (r) => ({ content: PLANTED[r.seed === 1 ? 'verified' : 'partial'].reply }));
}

/** Eight cancellations and eight address changes. */
export const PLANTED_SCENARIOS = ['cancel', 'address'].flatMap((kind) =>
  Array.from({ length: 8 }, (_, i) => ({
    id: `${kind}-${i}`,
    hidden_goal: kind === 'cancel' ? 'Cancel order 123 before it ships.' : 'Have order 123 delivered to 1 New Street.',
    known_info: 'Your name is Jane Doe; the order number is 123.',
    policy_facts: ['Identity (full name and order number) must be verified before the order is touched.'],
    opening: kind === 'cancel' ? 'Hi, please cancel my order.' : 'Hi, please change the delivery address of my order.',
  })),
);

// ---- A running Coach with that desk, and runs of the harness against it ----

export const TEST_SCENARIOS = ['cancel-1', 'cancel-2'].map((id) => ({
  id,
  hidden_goal: 'Cancel order 123 before it ships.',
  known_info: 'Your name is Jane Doe; the order number is 123.',
  persona: 'Busy and a little impatient.',
  policy_facts: ["Identity (full name and order number) must be verified before the order is touched."],
  opening: 'Hi, please cancel my order.',
}));
export const TRAINING_SCENARIO = { ...TEST_SCENARIOS[0]!, id: 'train-cancel-1' };
export const ALL_ARMS = 'student,generic,coach,teacher,sft';

export interface Desk {
  fake: FakeLlm;
  sft: FakeLlm;
  libraryId: string;
  env: Record<string, string>;
  dir: string;
  scenarios: (list: object[]) => Promise<string>;
}

/** A running Coach with a library taught on `train-cancel-1`, and the scripted models (the planted ones on request). */
export async function desk(t: Test, pairwise: PairwiseJudge | 'planted' = 'fair'): Promise<Desk> {
  const fake = pairwise === 'planted' ? scriptPlantedDesk(await FakeLlm.start(t)) : scriptEvalDesk(await FakeLlm.start(t), { pairwise });
  const sft = pairwise === 'planted' ? scriptPlantedFineTuned(await FakeLlm.start(t)) : scriptFineTuned(await FakeLlm.start(t));
  const { app } = await testApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const library = await createLibrary(app, { policy: POLICY });
  await importEntries(app, library.id, [{ ...ENTRIES.cancel, external_id: 'taught-cancel', provenance: { source: 'teacher', source_id: 'train-cancel-1' } }, ...SAMPLE_ENTRIES]);
  const dir = t.testdir();
  const env = fake.env({
    JUDGE_BASE_URL: fake.baseUrl,
    JUDGE_MODEL: JUDGE_MODEL,
    JUDGE_API_KEY: 'fake',
    COACH_URL: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    COACH_API_KEY: ADMIN_KEY,
    MODEL_PRICES: JSON.stringify({ 'student-model': { input: 1, output: 2 } }),
    LOG_LEVEL: 'silent',
  });
  const scenarios = async (list: object[]) => {
    const file = path.join(dir, `scenarios-${Math.random().toString(36).slice(2)}.jsonl`);
    await writeFile(file, list.map((s) => JSON.stringify(s)).join('\n') + '\n');
    return file;
  };
  return { fake, sft, libraryId: library.id, env, dir, scenarios };
}

export async function run(d: Desk, file: string, extra: string[] = []) {
  const cli = parseCli(['--library', d.libraryId, '--scenarios', file, '--out', path.join(d.dir, 'out'), '--bootstrap', '400', ...extra]);
  return evaluate(await evaluationSetup(cli, d.env, new AbortController().signal));
}

export const lines = async <T>(file: string): Promise<T[]> =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

// ---- A library built by a real teacher job, for the build cost, break-even and the SFT export ----

/** Per million tokens: the teacher dear, the student, the customer and the judge cheap. */
export const TAUGHT_PRICES = {
  'teacher-model': { input: 10, output: 30 },
  'student-model': { input: 1, output: 2 },
  'customer-model': { input: 1, output: 2 },
  'judge-model': { input: 1, output: 2 },
};
export const TAUGHT_SCENARIO = { id: 'train-cancel-1', description: 'Wants an order cancelled', customer_goal: 'have the order cancelled', opening: 'Hi, please cancel my order 1234.' };

/**
 * A running Coach with all three teaching roles, whose library a teacher job built from
 * `train-cancel-1` (the support desk's script), then the models re-scripted as the eval desk.
 */
export async function taughtDesk(t: Test): Promise<Desk & { jobId: string; app: FastifyInstance }> {
  const fake = scriptSupportDesk(await FakeLlm.start(t));
  const sft = scriptFineTuned(await FakeLlm.start(t));
  const env = fake.env({
    JUDGE_BASE_URL: fake.baseUrl,
    JUDGE_MODEL: JUDGE_MODEL,
    JUDGE_API_KEY: 'fake',
    MODEL_PRICES: JSON.stringify(TAUGHT_PRICES),
    LOG_LEVEL: 'silent',
  });
  const { app } = await testApp(t, { env });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const library = await createLibrary(app, { policy: POLICY });
  const job = await jobClient(app, library.id).run({ kind: 'scenarios', scenarios: [TAUGHT_SCENARIO], options: { auto_approve: true } });
  if (job.status !== 'done') throw new Error(`the teacher job ended ${job.status}: ${JSON.stringify(job.errors)}`);
  scriptEvalDesk(fake);
  const dir = t.testdir();
  const scenarios = async (list: object[]) => {
    const file = path.join(dir, `scenarios-${Math.random().toString(36).slice(2)}.jsonl`);
    await writeFile(file, list.map((s) => JSON.stringify(s)).join('\n') + '\n');
    return file;
  };
  return {
    fake,
    sft,
    app,
    jobId: job.id,
    libraryId: library.id,
    env: { ...env, COACH_URL: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, COACH_API_KEY: ADMIN_KEY },
    dir,
    scenarios,
  };
}
