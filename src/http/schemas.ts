import { Type, type TSchema } from 'typebox';

/** Shared schemas, registered once with `$id` so OpenAPI lists them as components. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable error code, e.g. validation_error, not_found.' }),
      message: Type.String({ description: 'Human-readable explanation naming the offending field where there is one.' }),
      details: Type.Optional(Type.Unknown()),
      request_id: Type.Optional(Type.String()),
    }),
  },
  { $id: 'Error' },
);

export const sharedSchemas: TSchema[] = [ErrorBody];

export const ErrorRef = Type.Ref('Error');

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });

/** Error responses every authenticated route can give, merged into each route's `response`. */
export function errorResponses(...statuses: number[]): Record<number, ReturnType<typeof Type.Ref>> {
  const all = new Set([400, 401, 403, 404, ...statuses]);
  return Object.fromEntries([...all].sort().map((status) => [status, ErrorRef]));
}
