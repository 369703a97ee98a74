import { Type, type Static } from 'typebox';
import { TOOL_NAME_PATTERN } from '../messages.js';
import { SHORTFALL_KINDS } from './types.js';

/** JSON schemas the teacher answers in (response_format), also used to validate its answers. */
const Kinds = Type.Array(Type.Union(SHORTFALL_KINDS.map((kind) => Type.Literal(kind))));

const Judged = {
  turn: Type.Integer({ minimum: 0 }),
  teacher_reply: Type.String({ minLength: 1 }),
  shortfall: Type.Boolean(),
  kinds: Kinds,
  explanation: Type.String(),
};

/** The judge comparing the student's move with the teacher's at one state. */
export const CompareOutput = Type.Object(
  { shortfall: Type.Boolean(), kinds: Kinds, explanation: Type.String(), situation: Type.String({ minLength: 1, maxLength: 300 }) },
  { additionalProperties: false },
);

/** The judge marking one sampled reply against the teacher's choice. */
export const SampleVerdictOutput = Type.Object({ matches: Type.Boolean(), explanation: Type.String() }, { additionalProperties: false });
export const DecisionPointsOutput = Type.Object(
  { decision_points: Type.Array(Type.Object(Judged, { additionalProperties: false })) },
  { additionalProperties: false },
);

export const EntryOutput = Type.Object(
  {
    scenario: Type.String({ minLength: 1, maxLength: 2_000 }),
    guidance: Type.String({ minLength: 1, maxLength: 2_000 }),
    policy_refs: Type.Array(Type.String({ minLength: 1 }), { maxItems: 20 }),
    tags: Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 5 }),
    examples: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: 5 })),
    // Optional: most notes do not depend on tools, and older scripted answers have neither.
    after_tools: Type.Optional(Type.Array(Type.String({ pattern: TOOL_NAME_PATTERN }), { maxItems: 10 })),
    before_tools: Type.Optional(Type.Array(Type.String({ pattern: TOOL_NAME_PATTERN }), { maxItems: 10 })),
    rationale: Type.String({ minLength: 1, maxLength: 2_000 }),
  },
  { additionalProperties: false },
);

export const PolicyCheckOutput = Type.Object(
  { conflict: Type.Boolean(), clauses: Type.Array(Type.String()), explanation: Type.String() },
  { additionalProperties: false },
);

export const GenerateOutput = Type.Object(
  {
    scenarios: Type.Array(
      Type.Object(
        {
          id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9-]*$' }),
          description: Type.String({ minLength: 1 }),
          customer_goal: Type.String({ minLength: 1 }),
          persona: Type.String(),
          opening: Type.String({ minLength: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type Compare = Static<typeof CompareOutput>;
export type SampleVerdict = Static<typeof SampleVerdictOutput>;
export type EntryText = Static<typeof EntryOutput>;
export type DecisionPoints = Static<typeof DecisionPointsOutput>;
export type PolicyCheck = Static<typeof PolicyCheckOutput>;
export type Generated = Static<typeof GenerateOutput>;
