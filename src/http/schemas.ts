import { Type, type Static, type TSchema, type TSchemaOptions, type TUnsafe } from 'typebox';

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
export type ErrorBody = Static<typeof ErrorBody>;

export const sharedSchemas: TSchema[] = [ErrorBody];

/**
 * A reference to a schema registered by its `$id` (an OpenAPI component), typed as the schema it
 * names: a bare Type.Ref would type the request or reply it describes as unknown.
 */
export function ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(id));
}

export const ErrorRef = ref(ErrorBody);

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });
export type IdParams = Static<typeof IdParams>;

/** Rows carry Dates, which the serializer writes as ISO 8601 text; clients read the text. */
export const Timestamp = Type.Unsafe<Date | string>(Type.String({ format: 'date-time' }));

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * One of these strings, as a union of constants (so a validation error lists them). Typed here:
 * TypeBox infers a union only from a tuple, not from the arrays the domain's lists are.
 */
export function oneOf<const V extends string>(values: readonly V[], options?: TSchemaOptions): TUnsafe<V> {
  return Type.Unsafe<V>(Type.Union(values.map((v) => Type.Literal(v)), options));
}

/** An object with whatever fields it has, typed as a record (TypeBox would type it as an empty object). */
export const OpenObject = (options?: TSchemaOptions) =>
  Type.Unsafe<Record<string, unknown>>(Type.Object({}, { additionalProperties: true, ...options }));

/** Integer columns are 32-bit; a larger number in a request is an error of the request, not of the database. */
export const MAX_INT32 = 2 ** 31 - 1;

/** A JSON response and what it means: client generators show the description, the schema gives only the shape. */
export const json = <T extends TSchema>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });

/** What each error means on any authenticated route; a route may say more precisely what it means there. */
const ERROR_MEANINGS: Record<number, string> = {
  400: 'The request is malformed: details lists each field and what is wrong with it',
  401: 'No valid API key: missing, malformed, unknown, revoked or expired',
  403: "The key's role may not do this",
  404: 'Not found, or outside the libraries this key may use',
  429: "Over the key's rate limit (RATE_LIMIT_<ROLE>): retry after the Retry-After header's seconds",
  503: "The database cannot be reached, or rolled this request back for a concurrent one (nothing was written; retry after the Retry-After header's seconds)",
};

/** The errors a route answers, in the one error shape, with what each status means on the route. */
export function errorResponses(meanings: Record<number, string> = {}): Record<number, ReturnType<typeof json<typeof ErrorRef>>> {
  return Object.fromEntries(Object.entries({ ...ERROR_MEANINGS, ...meanings }).map(([status, meaning]) => [status, json(meaning, ErrorRef)]));
}
