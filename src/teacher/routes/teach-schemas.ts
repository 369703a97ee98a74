import { Type, type Static } from 'typebox';
import { conversationMessage, ToolDefinitionSchema } from '../../http/message-schema.js';
import { MAX_INT32, Nullable, oneOf, OpenObject, ref, Timestamp, Uuid } from '../../http/schemas.js';
import { JOB_KINDS, JOB_STATUSES } from '../types.js';

const SourceId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description: 'Unique within the job' });
const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S', description });

const TranscriptMessage = conversationMessage({ additionalProperties: false, maxLength: 20_000 });

const ScenarioBody = Type.Object(
  {
    id: SourceId,
    description: Text(4_000, 'The situation, for the customer simulator'),
    customer_goal: Text(2_000, 'What the simulated customer wants'),
    persona: Type.Optional(Text(2_000)),
    opening: Type.Optional(Text(4_000, "The customer's first message; written by the simulator when absent")),
  },
  { additionalProperties: false },
);

const TranscriptBody = Type.Object(
  {
    id: SourceId,
    messages: Type.Array(TranscriptMessage, {
      minItems: 2,
      maxItems: 200,
      description: "user = the customer, assistant = the agent, a human's or a model's; its tool calls and their results are moves and state like any turn",
    }),
    tools: Type.Optional(
      Type.Array(ref(ToolDefinitionSchema), { minItems: 1, maxItems: 128, description: 'The tools the agent had: the student is re-tested with them' }),
    ),
    outcome: Type.Optional(Text(2_000, 'How the conversation ended, e.g. "resolved", "customer churned"')),
  },
  { additionalProperties: false },
);

const ModelName = Type.String({ minLength: 1, maxLength: 200 });
const Kind = oneOf(JOB_KINDS);

export const TeachBody = Type.Object(
  {
    kind: Kind,
    scenarios: Type.Optional(Type.Array(ScenarioBody, { minItems: 1, maxItems: 200 })),
    generate: Type.Optional(
      Type.Object({ count: Type.Integer({ minimum: 1, maximum: 50 }) }, { additionalProperties: false, description: "Have the teacher write this many scenarios from the library's policy" }),
    ),
    transcripts: Type.Optional(Type.Array(TranscriptBody, { minItems: 1, maxItems: 200 })),
    validation: Type.Optional(
      Type.Array(ScenarioBody, {
        minItems: 1,
        maxItems: 50,
        description: 'Adaptive rounds (kind "scenarios"): the fixed validation set whose failure rate is measured before the first round and after each',
      }),
    ),
    options: Type.Optional(
      Type.Object(
        {
          max_turns: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, description: 'Student replies per simulated conversation (default 6)' })),
          rounds: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, description: 'Refinements of a note whose lift was not shown (default 2)' })),
          auto_approve: Type.Optional(
            Type.Boolean({ description: 'Approve notes whose lift was shown and whose policy check is clean (default false: drafts and pending revisions)' }),
          ),
          rollouts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'Plays of each scenario, rollout r seeded seed + r (default 3)' })),
          samples: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 50, description: 'Student replies per state and arm when measuring lift, sample i seeded seed + 100 + i (default 5)' }),
          ),
          min_lift: Type.Optional(
            Type.Number({ minimum: -1, maximum: 1, description: "Accept a note when its lift interval's lower bound is above this (default 0)" }),
          ),
          seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Base sampling seed of the student and the customer (default 0)' })),
          max_rounds: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 10, description: 'Adaptive rounds of teaching; above 1 needs `validation` (default 1)' }),
          ),
          min_gain: Type.Optional(
            Type.Number({ minimum: 0, maximum: 1, description: 'Stop when the validation failure rate fell by less than this in a round (default 0.05)' }),
          ),
          max_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: MAX_INT32, description: 'Stop the job once it has used this many tokens (default null: no limit)' }))),
          max_cost_usd: Type.Optional(
            Nullable(Type.Number({ exclusiveMinimum: 0, description: 'Stop the job once its cost (MODEL_PRICES) reaches this (default null: no limit)' })),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    models: Type.Optional(
      Type.Object(
        {
          teacher: Type.Optional(ModelName),
          student: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'For kind "validate": the student whose lift is measured' })),
          customer: Type.Optional(ModelName),
          judge: Type.Optional(ModelName),
        },
        { additionalProperties: false, description: "Other model names on each role's configured endpoint" },
      ),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        kind: 'scenarios',
        scenarios: [
          {
            id: 'late-refund',
            description: 'A customer wants a refund for a jacket delivered 45 days ago',
            customer_goal: 'get the money back',
            opening: 'Hi, I want to return a jacket I bought last month and get a refund.',
          },
        ],
        options: { max_turns: 6, rounds: 2, auto_approve: false },
      },
    ],
  },
);
export type TeachBody = Static<typeof TeachBody>;

export const TeachAccepted = Type.Object({ job_id: Uuid });
export type TeachAccepted = Static<typeof TeachAccepted>;

const RoleUsage = Type.Object({
  model: Type.String(),
  calls: Type.Integer(),
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
  estimated_cost_usd: Type.Union([Type.Number(), Type.Null()], { description: 'From MODEL_PRICES; null when the model has no price' }),
});

export const TeacherJobView = Type.Object(
  {
    id: Uuid,
    library_id: Uuid,
    kind: Kind,
    status: oneOf(JOB_STATUSES, { description: 'pending → running → done (every step succeeded), partial (some steps failed), failed (all did) or cancelled' }),
    options: Type.Object({
      max_turns: Type.Integer(),
      rounds: Type.Integer(),
      auto_approve: Type.Boolean(),
      rollouts: Type.Integer(),
      samples: Type.Integer(),
      min_lift: Type.Number(),
      seed: Type.Integer(),
      max_rounds: Type.Integer(),
      min_gain: Type.Number(),
      max_tokens: Nullable(Type.Integer()),
      max_cost_usd: Nullable(Type.Number()),
    }),
    models: Type.Object({ teacher: Type.String(), student: Type.String(), customer: Type.String(), judge: Type.String() }),
    progress: Type.Object({
      done: Type.Integer({ description: 'Steps finished, failed ones included' }),
      failed: Type.Integer(),
      total: Type.Integer({ description: 'One step per scenario or transcript (and one that writes scenarios, when generated)' }),
    }),
    usage: Type.Object({ teacher: RoleUsage, student: RoleUsage, customer: RoleUsage, judge: RoleUsage }),
    estimated_cost_usd: Type.Union([Type.Number(), Type.Null()]),
    produced_entry_ids: Type.Array(Uuid, { description: 'Entries this job created' }),
    merged_entry_ids: Type.Array(Uuid, { description: 'Existing draft near-duplicates this job gave a new version' }),
    revised_entry_ids: Type.Array(Uuid, { description: 'Approved near-duplicates this job proposed a pending revision of (still served as they were)' }),
    errors: Type.Array(Type.Object({ step: Type.Integer(), source_id: Type.Union([Type.String(), Type.Null()]), error: Type.String() })),
    failed_decisions: Type.Array(Type.Object({ step: Type.Integer(), key: Type.String(), error: Type.String() }), {
      description: 'Decision points (or groups) whose answers stayed invalid after a repair: they failed alone, their step went on',
    }),
    judge: Type.Object(
      { model: Type.String(), separate: Type.Boolean({ description: 'false: the teacher judged its own replies (JUDGE_* not configured)' }) },
      { description: 'The model that compared replies and marked samples' },
    ),
    report: Type.Object({
      curve: Type.Array(
        Type.Object({
          round: Type.Integer({ description: '0: before any teaching' }),
          failures: Type.Integer(),
          n: Type.Integer({ description: 'Validation conversations (scenario × rollout)' }),
          failure_rate: Type.Number(),
          interval: Type.Array(Type.Number(), { description: '95% Wilson interval of the failure rate' }),
          failing: Type.Array(Type.String(), { description: 'Kinds of state still failing' }),
          accepted: Type.Integer({ description: 'Notes of the round whose lift was shown' }),
          rejected: Type.Integer(),
          tokens: Type.Integer({ description: 'Used in the round' }),
          cost_usd: Type.Number(),
          total_tokens: Type.Integer(),
          total_cost_usd: Type.Number(),
        }),
        { description: 'Adaptive jobs: the learning curve, one point per round' },
      ),
      stop_reason: Nullable(
        Type.String({ description: 'budget, max_rounds, min_gain (the failure rate stopped falling) or no_failures; null: ran out of steps' }),
      ),
    }),
    created_at: Timestamp,
    started_at: Nullable(Timestamp),
    finished_at: Nullable(Timestamp),
  },
  { $id: 'TeacherJob' },
);
export type TeacherJobView = Static<typeof TeacherJobView>;
export const TeacherJobRef = ref(TeacherJobView);

export const EvidenceView = Type.Object({
  job_id: Uuid,
  entry_id: Uuid,
  entry_version: Type.Integer({ description: 'The version the job wrote' }),
  action: Type.Union([Type.Literal('created'), Type.Literal('merged'), Type.Literal('revised')], {
    description: 'created: a new draft; merged: a new version of a draft near-duplicate; revised: a pending revision of an approved entry',
  }),
  revision_id: Nullable(Uuid),
  source_id: Type.String({ description: 'Scenario or transcript id' }),
  decision_key: Type.String({ description: '<source id>#<turn>' }),
  retest_passed: Type.Boolean({ description: 'The lift was shown (accepted)' }),
  policy_conflict: Type.Boolean(),
  evidence: OpenObject({
    description:
      'round, situation, states [{key, state, student_reply, teacher_reply, judgement}], siblings, rationale, merged_into, revision_id, ' +
      'acceptance {accepted, student_model, judge_model, rounds [{round, guidance, lift {lift, interval, n_with, …, per_state}, misses}]}, policy_check',
  }),
  created_at: Timestamp,
});

export const EvidenceList = Type.Object({ items: Type.Array(EvidenceView) });
export type EvidenceList = Static<typeof EvidenceList>;

export const ReviewBody = Type.Object(
  {
    decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')], { description: 'approve → approved; reject → retired (restorable)' }),
    reason: Text(2_000, 'Recorded in the history'),
  },
  { additionalProperties: false },
);
export type ReviewBody = Static<typeof ReviewBody>;
