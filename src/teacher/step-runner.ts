import type { ModelPrice } from '../config.js';
import type { Db } from '../db/db.js';
import type { GuidanceRevisions } from '../library/guidance-revisions.js';
import type { GuidanceStore } from '../library/guidance-store.js';
import type { Library } from '../library/types.js';
import type { ModelRegistry } from '../models/model-registry.js';
import { contrastTurns, type FailedDecision } from './contrast.js';
import { elicit, type ElicitContext, type GroupCheckpoint } from './elicit.js';
import { groupBySituation, singleGroups } from './groups.js';
import type { HeldStep, StopReason } from './held-step.js';
import { budgetCheck, jobClients, UsageLedger, type Judges } from './job-models.js';
import { DEFAULT_OPTIONS } from './jobs.js';
import { findDecisionPoints } from './judge-turns.js';
import { LibraryWriter, type WritingJob } from './library-writer.js';
import { InvalidModelOutputError, ModelCalls } from './model-calls.js';
import { GenerateOutput, type Generated } from './output-schemas.js';
import { promptVersions, type Prompts } from './prompts.js';
import { evaluateRound, type RoundCheckpoint } from './rounds.js';
import type { SimilarEntries } from './similar-entries.js';
import { simulate, type Simulation } from './simulate.js';
import type { StudentServer } from './student.js';
import { policySection } from './transcript-text.js';
import type { AimInput, DecisionGroup, DecisionPoint, EvaluateInput, JobModels, JobOptions, Scenario, StepInput, StepKind, Transcript, ValidateEntryInput } from './types.js';
import { validateEntry, type ValidateCheckpoint } from './validate.js';

/** What a teaching step has finished, saved after every phase (see teacher_steps.checkpoint). */
interface Checkpoint {
  simulations?: Simulation[];
  points?: DecisionPoint[];
  /** Rollouts already contrasted (their points are in `points`). */
  contrasted?: number;
  groups?: DecisionGroup[];
  /** Decision points or groups that failed alone (an invalid answer even after its repair). */
  failed?: FailedDecision[];
  progress?: Record<string, GroupCheckpoint>;
  finished?: Record<string, boolean>;
}

interface JobRow {
  id: string;
  library_id: string;
  options: JobOptions;
  models: JobModels;
  requested_by: string | null;
}

export interface StepResult {
  /** Steps to add to the job (the scenarios a generate step wrote, the next round's). */
  next: { kind: StepKind; input: StepInput }[];
  stop?: StopReason;
}

export interface StepRunnerDeps {
  db: Db;
  models: ModelRegistry;
  judges: Judges;
  prices: Record<string, ModelPrice>;
  prompts: Prompts;
  student: StudentServer;
  similar: SimilarEntries;
  store: GuidanceStore;
  revisions: GuidanceRevisions;
}

/** Carries out one claimed step, phase by phase, skipping the phases its checkpoint already has. */
export class StepRunner {
  private readonly writer: LibraryWriter;

  constructor(private readonly deps: StepRunnerDeps) {
    this.writer = new LibraryWriter(deps.db, deps.store, deps.revisions, deps.similar);
  }

  async run(held: HeldStep, signal: AbortSignal): Promise<StepResult> {
    const { step } = held;
    const { db } = this.deps;
    const [job] = await db.query<JobRow>('SELECT id, library_id, options, models, requested_by FROM teacher_jobs WHERE id = $1', [step.job_id]);
    const [library] = await db.query<Library>('SELECT * FROM libraries WHERE id = $1', [job!.library_id]);
    // Jobs queued before an option existed run with its default.
    const options = { ...DEFAULT_OPTIONS, ...job!.options };
    const calls = new ModelCalls(jobClients(this.deps.models, this.deps.judges, job!.models), new UsageLedger(db, job!.id), signal, budgetCheck(db, job!.id, options, this.deps.prices));
    const writing: WritingJob = { id: job!.id, requestedBy: job!.requested_by, models: job!.models, prompts: promptVersions(this.deps.prompts) };
    const ctx: ElicitContext = { calls, prompts: this.deps.prompts, library: library!, options, student: this.deps.student, writer: this.writer, job: writing };
    const save = () => held.save(step.checkpoint);
    switch (step.kind) {
      case 'generate':
        return { next: await this.generate(ctx, step.input as { count: number; aim?: AimInput }) };
      case 'evaluate':
        return evaluateRound({ ...ctx, db, prices: this.deps.prices }, step.input as EvaluateInput, step.checkpoint as RoundCheckpoint, save);
      case 'validate_entry':
        await validateEntry(ctx, db, this.deps.store, (step.input as ValidateEntryInput).entry_id, step.checkpoint as ValidateCheckpoint, save);
        return { next: [] };
      default:
        await this.teach(ctx, step.kind, step.input as Scenario | Transcript, step.checkpoint as Checkpoint, save, await this.roundOf(step.job_id, step.ordinal));
        return { next: [] };
    }
  }

  /** Simulate every rollout, contrast, group, then elicit a note per group; a group that fails does so alone. */
  private async teach(ctx: ElicitContext, kind: StepKind, input: Scenario | Transcript, checkpoint: Checkpoint, save: () => Promise<void>, round: number): Promise<void> {
    checkpoint.failed ??= [];
    if (checkpoint.groups === undefined) {
      if (kind === 'scenario') await this.simulated(ctx, input as Scenario, checkpoint, save);
      else checkpoint.points = await this.fromTranscript(ctx, input as Transcript);
      checkpoint.groups = kind === 'scenario' ? groupBySituation(input.id, checkpoint.points!) : singleGroups(checkpoint.points!);
      await save();
    }
    checkpoint.progress ??= {};
    checkpoint.finished ??= {};
    for (const group of checkpoint.groups) {
      if (checkpoint.finished[group.key] === true || checkpoint.failed.some((f) => f.key === group.key)) continue;
      checkpoint.progress[group.key] ??= {};
      try {
        const { outcome, written } = await elicit(ctx, group, checkpoint.progress[group.key]!, save);
        await this.writer.recordEvidence(ctx.job, ctx.library, group, outcome, written, round);
        checkpoint.finished[group.key] = true;
      } catch (err) {
        if (!(err instanceof InvalidModelOutputError)) throw err;
        checkpoint.failed.push({ key: group.key, error: err.message });
      }
      await save();
    }
  }

  /** `rollouts` plays of the scenario, seeded, each contrasted turn by turn. */
  private async simulated(ctx: ElicitContext, scenario: Scenario, checkpoint: Checkpoint, save: () => Promise<void>): Promise<void> {
    checkpoint.simulations ??= [];
    while (checkpoint.simulations.length < ctx.options.rollouts) {
      const rollout = checkpoint.simulations.length;
      checkpoint.simulations.push(await simulate(ctx.calls, ctx.student, ctx.library, ctx.prompts.customer, scenario, ctx.options.max_turns, ctx.options.seed + rollout));
      await save();
    }
    checkpoint.points ??= [];
    checkpoint.contrasted ??= 0;
    while (checkpoint.contrasted < checkpoint.simulations.length) {
      const rollout = checkpoint.contrasted;
      const { points, failed } = await contrastTurns(ctx.calls, ctx.prompts, ctx.library, scenario.id, rollout, checkpoint.simulations[rollout]!.messages);
      checkpoint.points.push(...points);
      checkpoint.failed!.push(...failed);
      checkpoint.contrasted++;
      await save();
    }
  }

  private fromTranscript(ctx: ElicitContext, transcript: Transcript): Promise<DecisionPoint[]> {
    return findDecisionPoints(ctx.calls, ctx.prompts, ctx.library, transcript.id, transcript.messages, transcript.outcome, transcript.tools);
  }

  /** Adaptive jobs: a step belongs to the round after the evaluations before it. */
  private async roundOf(jobId: string, ordinal: number): Promise<number> {
    const [row] = await this.deps.db.query<{ n: number }>("SELECT count(*)::int AS n FROM teacher_steps WHERE job_id = $1 AND kind = 'evaluate' AND ordinal < $2", [jobId, ordinal]);
    return row!.n;
  }

  /**
   * The teacher writes `count` diverse scenarios from the policy, avoiding states already covered;
   * in a later round, aimed at the kinds of state the student still gets wrong and at policy
   * sections no note relies on yet.
   */
  private async generate(ctx: ElicitContext, { count, aim }: { count: number; aim?: AimInput }): Promise<StepResult['next']> {
    const covered = await this.deps.db.query<{ scenario: string }>(
      `SELECT scenario FROM guidance_entries WHERE library_id = $1 AND status <> 'retired' ORDER BY seq DESC LIMIT 50`,
      [ctx.library.id],
    );
    const list = (items: string[]) => items.map((item) => `- ${item}`).join('\n') || '(none)';
    const brief =
      aim === undefined
        ? `# Already covered\n${list(covered.map((c) => c.scenario))}`
        : `# Where the agent still falls short\n${list(aim.failing)}\n\n# Policy sections no scenario has touched\n${list(aim.untouched)}`;
    const output = await ctx.calls.structured<Generated>(
      'scenarios',
      GenerateOutput,
      [
        { role: 'system', content: aim === undefined ? ctx.prompts.generate.text : ctx.prompts.aim.text },
        { role: 'user', content: `${policySection(ctx.library.policy)}\n\n${brief}\n\n# Number of scenarios\n${count}` },
      ],
      (value) => {
        const ids = value.scenarios.map((s) => s.id);
        const problems = value.scenarios.length === count ? [] : [`${value.scenarios.length} scenarios were written; exactly ${count} are needed`];
        if (new Set(ids).size !== ids.length) problems.push('scenario ids must be unique');
        return problems;
      },
    );
    return output.scenarios.map((scenario) => ({ kind: 'scenario', input: aim === undefined ? scenario : { ...scenario, id: `r${aim.round}-${scenario.id}` } }));
  }
}
