import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { admin, testApp } from './helpers/app.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

t.test('openapi.yaml is exactly the spec generated from the registered routes (run `npm run openapi`)', async (t) => {
  const { app } = await testApp(t);
  const committed = readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8');
  const generated = app.swagger({ yaml: true });
  const operations = (spec: { paths: Record<string, Record<string, unknown>> }) =>
    Object.entries(spec.paths).flatMap(([path, item]) => METHODS.filter((m) => m in item).map((m) => `${m.toUpperCase()} ${path}`)).sort();
  const fileOps = operations(parse(committed));
  const routeOps = operations(parse(generated));
  t.same(fileOps.filter((op) => !routeOps.includes(op)), [], 'operations in openapi.yaml without a route');
  t.same(routeOps.filter((op) => !fileOps.includes(op)), [], 'routes missing from openapi.yaml');
  t.equal(committed, generated, 'schemas in openapi.yaml match the routes');
  t.equal(parse(committed).openapi, '3.1.0');
});

t.test('every documented operation is a real route, and the spec is served', async (t) => {
  const { app } = await testApp(t);
  const spec = parse(readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8'));
  for (const [path, item] of Object.entries<Record<string, unknown>>(spec.paths)) {
    for (const method of METHODS.filter((m) => m in item)) {
      t.ok(app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }), `${method} ${path} is routed`);
    }
  }
  const served = await app.inject({ method: 'GET', url: '/openapi.json' });
  t.equal(served.statusCode, 200);
  t.same(Object.keys(served.json().paths).sort(), Object.keys(spec.paths).sort());
  const docs = await app.inject({ method: 'GET', url: '/docs' });
  t.ok([200, 302].includes(docs.statusCode), 'Swagger UI is served at /docs');
});

interface Operation {
  operationId?: string;
  requestBody?: { content: Record<string, { example?: unknown; examples?: unknown; schema?: { $ref?: string } }> };
  responses: Record<string, { description: string }>;
}

t.test('the spec serves client generators: an operationId per operation, a meaning per response, examples for the main requests', async (t) => {
  const spec = parse(readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8'));
  const operations = Object.entries<Record<string, Operation>>(spec.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => m in item).map((m) => ({ name: `${m.toUpperCase()} ${path}`, operation: item[m]! })),
  );
  const ids = operations.map(({ operation }) => operation.operationId);
  t.same(operations.filter(({ operation }) => !/^[a-z][a-zA-Z0-9]*$/.test(operation.operationId ?? '')).map(({ name }) => name), [], 'each has a camelCase operationId');
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  const undescribed = operations.flatMap(({ name, operation }) =>
    Object.entries(operation.responses).filter(([, response]) => response.description === 'Default Response').map(([status]) => `${name} ${status}`),
  );
  t.same(undescribed, [], 'no response is a "Default Response"');
  t.ok(spec.servers?.length > 0, 'servers are listed');

  const byId = new Map(operations.map(({ operation }) => [operation.operationId, operation]));
  const component = (ref: string | undefined) => (ref === undefined ? undefined : spec.components.schemas[ref.replace('#/components/schemas/', '')]);
  for (const id of ['createLibrary', 'addGuidance', 'importGuidance', 'retrieveGuidance', 'chat', 'createChatCompletion', 'startTeacherJob']) {
    const media = byId.get(id)?.requestBody?.content['application/json'];
    const example = media?.example ?? media?.examples ?? component(media?.schema?.$ref)?.examples;
    t.ok(example !== undefined, `${id} has a request example`);
  }
  const importBody = byId.get('importGuidance')?.requestBody?.content;
  t.ok(importBody?.['application/x-ndjson']?.example, 'the import documents its JSONL body, with an example');
});

t.test('the documented request examples are requests the service accepts', async (t) => {
  const { app } = await testApp(t);
  const spec: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { examples?: unknown[] }> } } = parse(
    readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8'),
  );
  const example = (path: string, method: string, type = 'application/json') => spec.paths[path]![method]!.requestBody!.content[type]!.example;
  const created = await app.inject({ method: 'POST', url: '/v1/libraries', headers: admin, payload: example('/v1/libraries', 'post') as object });
  t.equal(created.statusCode, 201, created.body);
  const lib = `/v1/libraries/${created.json().id}`;
  const entry = spec.components.schemas.GuidanceInput!.examples![0] as object;
  t.equal((await app.inject({ method: 'POST', url: `${lib}/guidance`, headers: admin, payload: entry })).statusCode, 201);
  const imported = await app.inject({ method: 'POST', url: `${lib}/guidance/import`, headers: admin, payload: example('/v1/libraries/{id}/guidance/import', 'post') as object });
  t.equal(imported.statusCode, 200, imported.body);
  const lines = example('/v1/libraries/{id}/guidance/import', 'post', 'application/x-ndjson') as string;
  const asLines = await app.inject({ method: 'POST', url: `${lib}/guidance/import`, headers: { ...admin, 'content-type': 'application/x-ndjson' }, payload: lines });
  t.same(asLines.json(), { ...imported.json(), created: 0, unchanged: imported.json().ids.length }, 'the JSONL example is the same import');
  const retrieved = await app.inject({ method: 'POST', url: `${lib}/retrieve`, headers: admin, payload: example('/v1/libraries/{id}/retrieve', 'post') as object });
  t.equal(retrieved.statusCode, 200, retrieved.body);
  // No model is configured here: a 503 naming it means the body passed validation.
  for (const [path, payload] of [
    [`${lib}/chat`, example('/v1/libraries/{id}/chat', 'post')],
    ['/v1/chat/completions', { ...(example('/v1/chat/completions', 'post') as object), model: created.json().name }],
    [`${lib}/teach`, example('/v1/libraries/{id}/teach', 'post')],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: path, headers: admin, payload: payload as object });
    t.equal(res.statusCode, 503, `${path}: ${res.body}`);
    t.match(res.json().error.code, /_model_not_configured$/);
  }
});
