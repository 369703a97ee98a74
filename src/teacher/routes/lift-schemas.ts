import { Type, type Static } from 'typebox';
import { Nullable, Timestamp, Uuid } from '../../http/schemas.js';

export const LiftView = Type.Object({
  entry_id: Uuid,
  entry_version: Type.Integer({ description: 'The version measured' }),
  current_version: Type.Integer({ description: "The entry's version now" }),
  scenario: Type.String(),
  status: Type.String(),
  revision_id: Nullable(Uuid),
  job_id: Nullable(Uuid),
  student_model: Type.String({ description: 'The student the lift was measured on' }),
  judge_model: Type.String({ description: 'The model that judged each reply against the teacher' }),
  lift: Type.Number({ description: 'Pass rate with the note served minus without it' }),
  interval: Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: '95% Newcombe (Wilson score) interval of the lift' }),
  passed_with: Type.Integer(),
  n_with: Type.Integer(),
  passed_without: Type.Integer(),
  n_without: Type.Integer(),
  min_lift: Type.Number(),
  accepted: Type.Boolean({ description: 'Interval above min_lift and the note retrieved in every source state' }),
  states: Type.Integer(),
  retrieved_states: Type.Integer({ description: 'States where the retriever served the note (within the token budget)' }),
  best_rank: Nullable(Type.Integer()),
  median_rank: Nullable(Type.Number()),
  measured_at: Timestamp,
});

export const LiftList = Type.Object({ items: Type.Array(LiftView) });
export type LiftList = Static<typeof LiftList>;

export const LiftByModelQuery = Type.Object(
  {
    student_model: Type.String({ minLength: 1, maxLength: 200, description: 'The student model whose measurements to list' }),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
export type LiftByModelQuery = Static<typeof LiftByModelQuery>;
