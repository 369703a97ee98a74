import { Type, type Static } from 'typebox';
import { Nullable, oneOf, ref, Timestamp, Uuid } from '../../http/schemas.js';
import { REEMBED_STATUSES } from '../reembed-jobs.js';

export const ReembedJobView = Type.Object(
  {
    id: Uuid,
    library_id: Uuid,
    status: oneOf(REEMBED_STATUSES, { description: 'pending → running → done (library switched) or failed (library unchanged)' }),
    source_embedder: Type.String({ description: 'Embedder the library used when the job was requested' }),
    target_embedder: Type.String(),
    target_dim: Type.Integer(),
    done: Type.Integer({ description: 'Entries whose current content is embedded with the target embedder' }),
    total: Type.Integer({ description: 'Entries in the library (entries written during the job count too)' }),
    error: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
    started_at: Nullable(Timestamp),
    finished_at: Nullable(Timestamp),
  },
  { $id: 'ReembedJob' },
);
export type ReembedJobView = Static<typeof ReembedJobView>;
export const ReembedJobRef = ref(ReembedJobView);

export const ReembedBody = Type.Object(
  {
    embedder: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'local:hash-v4-<16..2000> (local:hash-v1-…, v2-… and v3-… are the earlier local recipes), or openai:<EMBEDDINGS_MODEL> when EMBEDDER=openai is configured',
    }),
  },
  { additionalProperties: false },
);
export type ReembedBody = Static<typeof ReembedBody>;
