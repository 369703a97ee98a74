import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { requireRole } from '../../auth/principal.js';
import type { GuidanceStore } from '../../library/guidance-store.js';
import type { Libraries } from '../../library/libraries.js';
import type { TeacherJobs, TeachRequest } from '../../teacher/jobs.js';
import { JOB_KINDS, JOB_STATUSES } from '../../teacher/types.js';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.js';
import { EntryParams, GuidanceWriteResult } from '../../library/routes/guidance-schemas.js';

const SourceId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description: 'Unique within the job' });
const Text = (max: number, description?: string) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S', description });

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
    messages: Type.Array(
      Type.Object(
        { role: Type.Union([Type.Literal('user'), Type.Literal('assistant'), Type.Literal('system')]), content: Type.String({ maxLength: 20_000 }) },
        { additionalProperties: false },
      ),
      { minItems: 2, maxItems: 200, description: 'user = the customer, assistant = the agent' },
    ),
    outcome: Type.Optional(Text(2_000, 'How the conversation ended, e.g. "resolved", "customer churned"')),
  },
  { additionalProperties: false },
);

const ModelName = Type.String({ minLength: 1, maxLength: 200 });
const Kind = Type.Union(JOB_KINDS.map((k) => Type.Literal(k)));

const TeachBody = Type.Object(
  {
    kind: Kind,
    scenarios: Type.Optional(Type.Array(ScenarioBody, { minItems: 1, maxItems: 200 })),
    generate: Type.Optional(
      Type.Object({ count: Type.Integer({ minimum: 1, maximum: 50 }) }, { additionalProperties: false, description: "Have the teacher write this many scenarios from the library's policy" }),
    ),
    transcripts: Type.Optional(Type.Array(TranscriptBody, { minItems: 1, maxItems: 200 })),
    options: Type.Optional(
      Type.Object(
        {
          max_turns: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, description: 'Student replies per simulated conversation (default 6)' })),
          rounds: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, description: 'Refinements after a failed re-test (default 2)' })),
          auto_approve: Type.Optional(Type.Boolean({ description: 'Approve entries that pass the re-test and the policy check (default false: drafts)' })),
        },
        { additionalProperties: false },
      ),
    ),
    models: Type.Optional(
      Type.Object(
        { teacher: Type.Optional(ModelName), student: Type.Optional(ModelName), customer: Type.Optional(ModelName) },
        { additionalProperties: false, description: "Other model names on each role's configured endpoint" },
      ),
    ),
  },
  { additionalProperties: false },
);

const Timestamp = Type.String({ format: 'date-time' });
const RoleUsage = Type.Object({
  model: Type.String(),
  calls: Type.Integer(),
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
  estimated_cost_usd: Type.Union([Type.Number(), Type.Null()], { description: 'From MODEL_PRICES; null when the model has no price' }),
});

const TeacherJobView = Type.Object(
  {
    id: Uuid,
    library_id: Uuid,
    kind: Kind,
    status: Type.Union(JOB_STATUSES.map((s) => Type.Literal(s)), { description: 'pending → running → done (every step succeeded), partial (some steps failed), failed (all did) or cancelled' }),
    options: Type.Object({ max_turns: Type.Integer(), rounds: Type.Integer(), auto_approve: Type.Boolean() }),
    models: Type.Object({ teacher: Type.String(), student: Type.String(), customer: Type.String() }),
    progress: Type.Object({
      done: Type.Integer({ description: 'Steps finished, failed ones included' }),
      failed: Type.Integer(),
      total: Type.Integer({ description: 'One step per scenario or transcript (and one that writes scenarios, when generated)' }),
    }),
    usage: Type.Object({ teacher: RoleUsage, student: RoleUsage, customer: RoleUsage }),
    estimated_cost_usd: Type.Union([Type.Number(), Type.Null()]),
    produced_entry_ids: Type.Array(Uuid, { description: 'Entries this job created' }),
    merged_entry_ids: Type.Array(Uuid, { description: 'Existing near-duplicate entries this job gave a new version' }),
    errors: Type.Array(Type.Object({ step: Type.Integer(), source_id: Type.Union([Type.String(), Type.Null()]), error: Type.String() })),
    created_at: Timestamp,
    started_at: Type.Union([Timestamp, Type.Null()]),
    finished_at: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'TeacherJob' },
);

const EvidenceView = Type.Object({
  job_id: Uuid,
  entry_id: Uuid,
  entry_version: Type.Integer({ description: 'The version the job wrote' }),
  action: Type.Union([Type.Literal('created'), Type.Literal('merged')]),
  source_id: Type.String({ description: 'Scenario or transcript id' }),
  decision_key: Type.String({ description: '<source id>#<turn>' }),
  retest_passed: Type.Boolean(),
  policy_conflict: Type.Boolean(),
  evidence: Type.Object(
    {},
    { additionalProperties: true, description: 'state, student_reply, teacher_reply, judgement, rationale, merged_into, retest {passed, rounds}, policy_check' },
  ),
  created_at: Timestamp,
});

const ReviewBody = Type.Object(
  {
    decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')], { description: 'approve → approved; reject → retired (restorable)' }),
    reason: Text(2_000, 'Recorded in the history'),
  },
  { additionalProperties: false },
);

const JobParams = IdParams;
const teachers = ['admin', 'teacher'] as const;

export function teachRoutes(app: FastifyInstance, libraries: Libraries, store: GuidanceStore, jobs: TeacherJobs): void {
  app.addSchema(TeacherJobView);
  const JobRef = Type.Ref('TeacherJob');

  app.post<{ Params: { id: string }; Body: TeachRequest }>(
    '/v1/libraries/:id/teach',
    {
      schema: {
        tags: ['teacher'],
        summary: 'Start a teacher job that writes guidance from scenarios or transcripts (admin, teacher)',
        description:
          'Per scenario: the customer simulator plays it against the student (served as in production), the teacher contrasts each ' +
          'student turn with its own reply, writes guidance for each shortfall, re-tests it on the student (refining up to `rounds` ' +
          'times), merges near-duplicates as new versions and checks the policy. Entries are drafts unless `auto_approve` and they ' +
          'passed with no policy conflict. 503 names the variable when a model role is not configured.',
        params: IdParams,
        body: TeachBody,
        response: { 202: Type.Object({ job_id: Uuid }), ...errorResponses(503) },
      },
    },
    async (request, reply) => {
      requireRole(request.principal, teachers, 'start teacher jobs');
      reply.code(202);
      return jobs.submit(request.principal, request.params.id, request.body);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      schema: {
        tags: ['teacher'],
        summary: 'A teacher job: status, progress, token usage and estimated cost per role, entries, step errors (admin, teacher)',
        params: JobParams,
        response: { 200: JobRef, ...errorResponses() },
      },
    },
    async (request) => {
      requireRole(request.principal, teachers, 'read teacher jobs');
      return jobs.get(request.principal, request.params.id);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/jobs/:id/cancel',
    {
      schema: {
        tags: ['teacher'],
        summary: 'Cancel a teacher job; entries already written stay (admin, teacher)',
        params: JobParams,
        response: { 200: JobRef, ...errorResponses(409) },
      },
    },
    async (request) => {
      requireRole(request.principal, teachers, 'cancel teacher jobs');
      return jobs.cancel(request.principal, request.params.id);
    },
  );

  app.get<{ Params: { id: string; gid: string } }>(
    '/v1/libraries/:id/guidance/:gid/evidence',
    {
      schema: {
        tags: ['teacher'],
        summary: 'Why teacher jobs wrote or changed this entry: replies, verdicts, re-test and policy check (admin, teacher)',
        params: EntryParams,
        response: { 200: Type.Object({ items: Type.Array(EvidenceView) }), ...errorResponses() },
      },
    },
    async (request) => {
      requireRole(request.principal, teachers, 'read evidence');
      return { items: await jobs.evidence(request.principal, request.params.id, request.params.gid) };
    },
  );

  app.post<{ Params: { id: string; gid: string }; Body: { decision: 'approve' | 'reject'; reason: string } }>(
    '/v1/libraries/:id/guidance/:gid/review',
    {
      schema: {
        tags: ['teacher'],
        summary: 'Approve or reject an entry, with a required reason (admin, teacher)',
        params: EntryParams,
        body: ReviewBody,
        response: { 200: GuidanceWriteResult, ...errorResponses(409) },
      },
    },
    async (request) => {
      requireRole(request.principal, teachers, 'review guidance');
      const library = await libraries.get(request.principal, request.params.id);
      const status = request.body.decision === 'approve' ? 'approved' : 'retired';
      return store.update(library, request.params.gid, { status }, { keyId: request.principal.keyId, reason: `${request.body.decision}: ${request.body.reason}` });
    },
  );
}
