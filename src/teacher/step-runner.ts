import type { Db } from '../db/db.js';
import type { GuidanceStore } from '../library/guidance-store.js';
import type { Library } from '../library/types.js';
import type { ModelRegistry } from '../models/model-registry.js';
import { elicit, type ElicitContext } from './elicit.js';
import type { HeldStep } from './held-step.js';
import { jobClients, UsageLedger } from './job-models.js';
import { contrast, findDecisionPoints } from './judge-turns.js';
import { LibraryWriter } from './library-writer.js';
import { ModelCalls } from './model-calls.js';
import { GenerateOutput, type Generated } from './output-schemas.js';
import { promptVersions, type Prompts } from './prompts.js';
import type { SimilarEntries } from './similar-entries.js';
import { simulate, type Simulation } from './simulate.js';
import type { StudentServer } from './student.js';
import { policySection } from './transcript-text.js';
import type { DecisionOutcome, DecisionPoint, JobModels, JobOptions, Scenario, StepInput, StepKind, Transcript, WrittenEntry } from './types.js';

/** What a step has finished, saved after every phase (see teacher_steps.checkpoint). */
interface Checkpoint {
  simulation?: Simulation;
  decisions?: DecisionPoint[];
  outcomes?: Record<string, DecisionOutcome>;
  written?: Record<string, WrittenEntry>;
}

interface JobRow {
  id: string;
  library_id: string;
  options: JobOptions;
  models: JobModels;
  requested_by: string | null;
}

export interface StepResult {
  /** Steps to add to the job (the scenarios a generate step wrote). */
  next: { kind: StepKind; input: StepInput }[];
}

export interface StepRunnerDeps {
  db: Db;
  models: ModelRegistry;
  prompts: Prompts;
  student: StudentServer;
  similar: SimilarEntries;
  store: GuidanceStore;
}

/** Carries out one claimed step, phase by phase, skipping the phases its checkpoint already has. */
export class StepRunner {
  private readonly writer: LibraryWriter;

  constructor(private readonly deps: StepRunnerDeps) {
    this.writer = new LibraryWriter(deps.db, deps.store);
  }

  async run(held: HeldStep, signal: AbortSignal): Promise<StepResult> {
    const { step } = held;
    const [job] = await this.deps.db.query<JobRow>('SELECT id, library_id, options, models, requested_by FROM teacher_jobs WHERE id = $1', [step.job_id]);
    const [library] = await this.deps.db.query<Library>('SELECT * FROM libraries WHERE id = $1', [job!.library_id]);
    const calls = new ModelCalls(jobClients(this.deps.models, job!.models), new UsageLedger(this.deps.db, job!.id), signal);
    const ctx: ElicitContext = { calls, prompts: this.deps.prompts, library: library!, options: job!.options, student: this.deps.student, similar: this.deps.similar, store: this.deps.store };
    if (step.kind === 'generate') return { next: await this.generate(ctx, (step.input as { count: number }).count) };
    const checkpoint = step.checkpoint as Checkpoint;
    const save = () => held.save(checkpoint as Record<string, unknown>);
    if (checkpoint.decisions === undefined) {
      checkpoint.decisions = step.kind === 'scenario' ? await this.simulated(ctx, step.input as Scenario, job!.options, checkpoint, save) : await this.fromTranscript(ctx, step.input as Transcript);
      await save();
    }
    checkpoint.outcomes ??= {};
    checkpoint.written ??= {};
    const writing = { id: job!.id, requestedBy: job!.requested_by, models: job!.models, prompts: promptVersions(this.deps.prompts) };
    for (const point of checkpoint.decisions) {
      if (checkpoint.written[point.key] !== undefined) continue;
      checkpoint.outcomes[point.key] ??= await elicit(ctx, point);
      // Saved, and fenced, before the write: a cancelled job stops short of the library, and a
      // resumed step writes exactly the planned entry instead of asking the teacher again.
      await save();
      checkpoint.written[point.key] = await this.writer.write(writing, library!, point, checkpoint.outcomes[point.key]!);
      await save();
    }
    return { next: [] };
  }

  /** Simulate, then contrast: the student turns that fell short are the decision points. */
  private async simulated(ctx: ElicitContext, scenario: Scenario, options: JobOptions, checkpoint: Checkpoint, save: () => Promise<void>): Promise<DecisionPoint[]> {
    if (checkpoint.simulation === undefined) {
      checkpoint.simulation = await simulate(ctx.calls, ctx.student, ctx.library, ctx.prompts.customer, scenario, options.max_turns);
      await save();
    }
    const judged = await contrast(ctx.calls, ctx.prompts, ctx.library, scenario.id, checkpoint.simulation.messages);
    return judged.filter((point) => point.shortfall);
  }

  private fromTranscript(ctx: ElicitContext, transcript: Transcript): Promise<DecisionPoint[]> {
    return findDecisionPoints(ctx.calls, ctx.prompts, ctx.library, transcript.id, transcript.messages, transcript.outcome);
  }

  /** The teacher writes `count` diverse scenarios from the policy, avoiding states already covered. */
  private async generate(ctx: ElicitContext, count: number): Promise<StepResult['next']> {
    const covered = await this.deps.db.query<{ scenario: string }>(
      `SELECT scenario FROM guidance_entries WHERE library_id = $1 AND status <> 'retired' ORDER BY seq DESC LIMIT 50`,
      [ctx.library.id],
    );
    const output = await ctx.calls.structured<Generated>(
      'scenarios',
      GenerateOutput,
      [
        { role: 'system', content: ctx.prompts.generate.text },
        {
          role: 'user',
          content: `${policySection(ctx.library.policy)}\n\n# Already covered\n${covered.map((c) => `- ${c.scenario}`).join('\n') || '(nothing yet)'}\n\n# Number of scenarios\n${count}`,
        },
      ],
      (value) => {
        const ids = value.scenarios.map((s) => s.id);
        const problems = value.scenarios.length === count ? [] : [`${value.scenarios.length} scenarios were written; exactly ${count} are needed`];
        if (new Set(ids).size !== ids.length) problems.push('scenario ids must be unique');
        return problems;
      },
    );
    return output.scenarios.map((scenario) => ({ kind: 'scenario', input: scenario }));
  }
}
