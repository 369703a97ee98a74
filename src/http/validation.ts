import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

/**
 * JSON bodies are validated strictly (a number where a string belongs is an error, not coerced);
 * query strings and path parameters arrive as text, so there types are coerced. Fastify's default
 * coerces everywhere, which would accept `{"policy": 42}`.
 */
export function validationOptions(): Pick<FastifyServerOptions, 'schemaController'> {
  const factory = AjvCompiler();
  return {
    schemaController: {
      compilersFactory: {
        buildValidator(externalSchemas, ajvServerOptions) {
          const strict = factory(externalSchemas, { customOptions: { coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false } });
          const coercing = factory(externalSchemas, ajvServerOptions);
          return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
        },
      },
    },
  };
}
