import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { toolSchemas } from '../message-schema.js';
import { sharedSchemas } from '../schemas.js';

/**
 * OpenAPI 3.1 generated from the routes' own schemas (the ones that validate requests), so the spec
 * cannot drift from the code; openapi.yaml is this output, checked by a test.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  for (const schema of [...sharedSchemas, ...toolSchemas]) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Coach',
        version,
        description:
          'Teacher-distilled guidance for student LLMs: a library of scenario → guidance entries, LLM-free retrieval, and chat.',
      },
      servers: [{ url: 'http://127.0.0.1:8080', description: 'npm start with the default HOST and PORT' }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API key: Authorization: Bearer <key>' } },
      },
      security: [{ bearer: [] }],
      tags: [
        { name: 'operations', description: 'Health, readiness, metrics' },
        { name: 'keys', description: 'API keys (admin)' },
        { name: 'libraries', description: 'Guidance libraries and their firm policy' },
        { name: 'guidance', description: 'Scenario → guidance entries, versions and import/export' },
        { name: 'retrieval', description: 'LLM-free retrieval of guidance for a conversation' },
        { name: 'chat', description: 'Student chat: compose, chat, OpenAI-compatible completions' },
        { name: 'traces', description: 'Chat traces, feedback and guidance effectiveness' },
        { name: 'webhooks', description: 'Signed, retried notifications of entry status changes, finished jobs and policy-impact flags' },
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  // The docs are for people without a key yet.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...route.config, public: true };
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
}
