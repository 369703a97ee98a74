import { Type, type TSchema } from 'typebox';

const FieldProblem = Type.Object({
  field: Type.String({ description: 'body.<path>, query.<name> or params.<name> (dots between levels), url, headers.<name> or request' }),
  message: Type.String({ description: 'What is wrong with it, e.g. "must be one of draft, approved, retired"' }),
});

/** Shared schemas, registered once with `$id` so OpenAPI lists them as components. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable error code, e.g. validation_error, not_found.' }),
      message: Type.String({ description: 'Human-readable explanation naming the offending field where there is one.' }),
      details: Type.Union([Type.Array(FieldProblem), Type.Object({}, { additionalProperties: true }), Type.Null()], {
        description:
          'Always present. A list of {field, message} when the request is malformed (schema validation, unreadable or too ' +
          'deeply nested bodies, text Postgres cannot store, bad URLs); an object of facts for other errors (e.g. the current ' +
          'version on a 409, the field a domain rule refused); null when there is nothing more to say.',
      }),
      request_id: Type.String({ description: 'The x-request-id of the request; quote it when reporting a problem.' }),
    }),
  },
  { $id: 'Error' },
);

export const sharedSchemas: TSchema[] = [ErrorBody];

export const ErrorRef = Type.Ref('Error');

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });

/** Integer columns are 32-bit; a larger number in a request is an error of the request, not of the database. */
export const MAX_INT32 = 2 ** 31 - 1;

/** Error responses every authenticated route can give, merged into each route's `response`. */
export function errorResponses(...statuses: number[]): Record<number, ReturnType<typeof Type.Ref>> {
  const all = new Set([400, 401, 403, 404, ...statuses]);
  return Object.fromEntries([...all].sort().map((status) => [status, ErrorRef]));
}
