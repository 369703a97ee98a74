import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * What Coach measures beyond HTTP, for /metrics. Recorded from the domain code through the
 * functions below, which do nothing until the ops feature installs them into its registry; the
 * most recently built app's registry wins (one per process outside tests).
 */
interface Instruments {
  retrievalSeconds: Histogram<'outcome'>;
  guidancePerPrompt: Histogram;
  withheld: Counter;
  modelSeconds: Histogram<'role' | 'model' | 'outcome'>;
  modelTokens: Counter<'role' | 'model' | 'kind'>;
  jobSteps: Counter<'kind' | 'outcome'>;
}

let current: Instruments | undefined;

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const MODEL_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * The name, once no metric holds it in the registry. Apps built at the same time in one process
 * share prom-client's registry, and one app's clear (fastify-metrics' clearRegisterOnInit) can run
 * before another's metrics are installed: the later install replaces them, as the newest app wins.
 */
function unregistered(registry: Registry, name: string): string {
  registry.removeSingleMetric(name);
  return name;
}

export function installInstruments(registry: Registry): void {
  const registers = [registry];
  current = {
    retrievalSeconds: new Histogram({
      name: unregistered(registry, 'coach_retrieval_duration_seconds'),
      help: 'Time to retrieve guidance for one conversation (embedding, search, fusion), by outcome',
      labelNames: ['outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    guidancePerPrompt: new Histogram({
      name: unregistered(registry, 'coach_guidance_per_prompt'),
      help: 'Guidance entries composed into one student prompt',
      buckets: [0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20],
      registers,
    }),
    withheld: new Counter({
      name: unregistered(registry, 'coach_guidance_withheld_total'),
      help: 'Guidance entries withheld from a prompt by the randomised hold-out',
      registers,
    }),
    modelSeconds: new Histogram({
      name: unregistered(registry, 'coach_model_call_duration_seconds'),
      help: 'Model call latency by role (student, teacher, customer), model and outcome; streams until their last part',
      labelNames: ['role', 'model', 'outcome'],
      buckets: MODEL_BUCKETS,
      registers,
    }),
    modelTokens: new Counter({
      name: unregistered(registry, 'coach_model_tokens_total'),
      help: 'Tokens the models reported, by role, model and kind (prompt, completion)',
      labelNames: ['role', 'model', 'kind'],
      registers,
    }),
    jobSteps: new Counter({
      name: unregistered(registry, 'coach_teacher_job_steps_total'),
      help: 'Teacher job steps finished, by job kind and outcome (done, failed)',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
  };
}

export type Outcome = 'ok' | 'error';

export function recordRetrieval(seconds: number, outcome: Outcome): void {
  current?.retrievalSeconds.observe({ outcome }, seconds);
}

export function recordGuidanceInPrompt(entries: number): void {
  current?.guidancePerPrompt.observe(entries);
}

/** For the hold-out: call once per entry withheld from a prompt. */
export function recordWithheld(entries = 1): void {
  current?.withheld.inc(entries);
}

export interface ModelCallRecord {
  role: string;
  model: string;
  seconds: number;
  outcome: Outcome;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

export function recordModelCall({ role, model, seconds, outcome, usage }: ModelCallRecord): void {
  if (current === undefined) return;
  current.modelSeconds.observe({ role, model, outcome }, seconds);
  if (usage !== null && usage !== undefined) {
    current.modelTokens.inc({ role, model, kind: 'prompt' }, usage.prompt_tokens);
    current.modelTokens.inc({ role, model, kind: 'completion' }, usage.completion_tokens);
  }
}

export function recordJobStep(kind: string, outcome: 'done' | 'failed'): void {
  current?.jobSteps.inc({ kind, outcome });
}

/** A gauge read at scrape time: `collect` runs then. */
export function installGauge(registry: Registry, name: string, help: string, labelNames: string[], collect: (gauge: Gauge) => Promise<void>): void {
  new Gauge({
    name: unregistered(registry, name),
    help,
    labelNames,
    registers: [registry],
    async collect() {
      try {
        await collect(this);
      } catch {
        // The last value stays: /metrics must answer while the database does not.
      }
    },
  });
}
