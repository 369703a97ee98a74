import { Type, type Static } from 'typebox';
import { Nullable, oneOf, ref, Timestamp, Uuid } from '../../http/schemas.js';
import { MAX_EXAMPLE_LENGTH } from '../../library/content.js';
import { GuidanceEntryRef } from '../../library/routes/guidance-schemas.js';
import { ChatMessageSchema } from '../../retrieval/routes/retrieve-schemas.js';

const TRACE_ID = '3f1c2b7a-9d4e-4a6b-8c2d-5e7f9a1b3c4d';
const JOB_ID = '7a9e1c3b-5d2f-4b8a-9e6c-1d3f5a7b9c2e';

export const AddExampleBody = Type.Object(
  {
    trace_id: Type.Optional(Type.String({ format: 'uuid', description: 'A trace of this library: the conversation its turn answered (as kept, redacted) becomes the example' })),
    job_id: Type.Optional(Type.String({ format: 'uuid', description: 'A teacher job of this library, with decision_point' })),
    decision_point: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: "With job_id: the key of a state in the job's evidence (evidence.states[].key or siblings[].key, e.g. cancel-1#1)" }),
    ),
    messages: Type.Optional(
      Type.Array(ref(ChatMessageSchema), { minItems: 1, maxItems: 500, description: 'A conversation in OpenAI form, tool calls and results included, ending in the state' }),
    ),
    text: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_EXAMPLE_LENGTH, pattern: '\\S', description: 'The example as it is' })),
  },
  {
    additionalProperties: false,
    description: 'Exactly one source: trace_id, job_id with decision_point, messages or text',
    examples: [
      { trace_id: TRACE_ID },
      { job_id: JOB_ID, decision_point: 'cancel-1#1' },
      { messages: [{ role: 'assistant', content: 'How can I help?' }, { role: 'user', content: 'The courier left my parcel with a neighbour who moved away' }] },
      { text: 'I bought this jacket 45 days ago, can I still return it?' },
    ],
  },
);
export type AddExampleBody = Static<typeof AddExampleBody>;

export const ExampleParams = Type.Object({
  id: Uuid,
  gid: Uuid,
  eid: Type.String({ pattern: '^[0-9a-f]{16}$', description: "An example's id, as listed" }),
});
export type ExampleParams = Static<typeof ExampleParams>;

const ExampleSourceView = Type.Object(
  {
    kind: oneOf(['trace', 'teacher', 'messages', 'text'] as const),
    trace_id: Nullable(Uuid),
    conversation_id: Nullable(Type.String()),
    job_id: Nullable(Uuid),
    decision_point: Nullable(Type.String()),
    entry_version: Type.Integer({ description: 'The entry version that added the example' }),
    added_by: Nullable(Type.String({ description: 'The API key that added it' })),
    added_at: Timestamp,
  },
  { description: 'Where the example came from when it was added through POST …/examples; null: written with the entry (create, import, edit, a teacher job)' },
);

const ExampleView = Type.Object({
  id: Type.String({ description: 'Stable across edits: a hash of the text, case and spacing ignored' }),
  text: Type.String({ description: 'As embedded: for a conversation, its customer turns and tool calls, one per line (the agent turns left out), and a last line ∅ when no tool had been called yet' }),
  source: Nullable(ExampleSourceView),
});

const SOURCE = {
  kind: 'trace',
  trace_id: TRACE_ID,
  conversation_id: 'c-1042',
  job_id: null,
  decision_point: null,
  entry_version: 4,
  added_by: '5d0e2a8b-7c41-4e3f-8b2a-9f1c6d3e4b58',
  added_at: '2026-12-01T15:00:00.000Z',
};
const EXAMPLE = { id: '9c1f0e2d3b4a5968', text: 'The courier left my parcel with a neighbour who moved away', source: SOURCE };

export const AddExampleResult = Type.Object({
  added: Type.Boolean({ description: 'false: the entry already had this example (case and spacing ignored); nothing was written' }),
  example: ExampleView,
  entry: GuidanceEntryRef,
});
export type AddExampleResult = Static<typeof AddExampleResult>;

export const ExampleList = Type.Object(
  {
    entry_id: Uuid,
    version: Type.Integer({ description: "The entry's current version" }),
    items: Type.Array(ExampleView, { description: "The entry's examples, in order" }),
  },
  { examples: [{ entry_id: '0b6f7c1e-3d2a-4f0b-9a5e-2c8d1e4f6a70', version: 4, items: [{ id: '2b7d4c1a9e0f3865', text: 'I want my money back', source: null }, EXAMPLE] }] },
);
export type ExampleList = Static<typeof ExampleList>;

export const RemovedExample = Type.Object({ example: ExampleView, entry: GuidanceEntryRef });
export type RemovedExample = Static<typeof RemovedExample>;
