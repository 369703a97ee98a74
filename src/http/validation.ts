import AjvCompiler from '@fastify/ajv-compiler';
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
  return {
    schemaController: {
      compilersFactory: {
        buildValidator(externalSchemas) {
          const strict = factory(externalSchemas, { customOptions: { coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false } });
          const coercing = factory(externalSchemas, { customOptions: { removeAdditional: false } });
          return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
        },
      },
    },
  };
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
