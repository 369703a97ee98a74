import { Type, type Static } from 'typebox';

const Score = Type.Integer({ minimum: 1, maximum: 7 });

export const ScoresOutput = Type.Object(
  {
    resolution: Score,
    policy_correctness: Score,
    empathy: Score,
    efficiency: Score,
    violations: Type.Array(Type.String()),
    explanation: Type.String(),
  },
  { additionalProperties: false },
);

export const PairwiseOutput = Type.Object(
  { winner: Type.Union([Type.Literal('A'), Type.Literal('B'), Type.Literal('tie')]), explanation: Type.String() },
  { additionalProperties: false },
);

export const RatingOutput = Type.Object(
  { satisfaction: Type.Integer({ minimum: 1, maximum: 5 }), reason: Type.String() },
  { additionalProperties: false },
);

export type Scores = Static<typeof ScoresOutput>;
export type PairwiseVerdict = Static<typeof PairwiseOutput>;
export type Rating = Static<typeof RatingOutput>;
