import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { testApp } from './helpers/app.js';

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
