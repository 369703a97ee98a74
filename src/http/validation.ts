import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { Type } from 'typebox';

/**
 * JSON bodies are validated strictly (a number where a string belongs is an error, not coerced);
 * query strings and path parameters arrive as text, so there types are coerced. Fastify's default
 * coerces everywhere, which would accept `{"policy": 42}`. Nowhere are unknown fields dropped
 * silently: a misspelt `?staus=` must be an error, not a filter quietly ignored.
 */
export function validationOptions(): Pick<FastifyServerOptions, 'schemaController'> {
  const factory = AjvCompiler();
  const serializers = SerializerSelector();
  return {
    schemaController: {
      compilersFactory: {
        buildValidator(externalSchemas) {
          const strict = factory(externalSchemas, { customOptions: { coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false } });
          const coercing = factory(externalSchemas, { customOptions: { removeAdditional: false } });
          return (route) => lazyValidator(() => (route.httpPart === 'body' ? strict(route) : coercing(route)));
        },
        buildSerializer(externalSchemas, options) {
          const compile = serializers(externalSchemas, options);
          return (route) => lazy(() => compile(route));
        },
      },
    },
  };
}

/**
 * Compiling every route's validators and serializers when the server starts took most of a start
 * on embedded PGlite (over a second of CPU); each is compiled when its route is first used instead.
 */
function lazy<F extends (data: never) => unknown>(compile: () => F): F {
  let compiled: F | undefined;
  return ((data: never) => (compiled ??= compile())(data)) as F;
}

/** As lazy, keeping what Fastify reads of a validator after a failed call: its `errors`. */
function lazyValidator<F extends ((data: never) => unknown) & { errors?: unknown }>(compile: () => F): F {
  let compiled: F | undefined;
  const validate = ((data: never) => {
    compiled ??= compile();
    const valid = compiled(data);
    validate.errors = compiled.errors;
    return valid;
  }) as F;
  return validate;
}

const NoQuery = Type.Object({}, { additionalProperties: false });

/** API routes that declare no query parameters accept none, as routes with a body schema accept no unknown field. */
export function rejectUndeclaredQuery(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/v1/') && route.schema?.querystring === undefined) {
      route.schema = { ...route.schema, querystring: NoQuery };
    }
  });
}
