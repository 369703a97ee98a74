import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

/** Where HTTP lives: the app, the shared HTTP layer, the core plugin, and each feature's plugin and routes. */
const HTTP_SIDE = [/^(app|main)\.ts$/, /^http\//, /^core\//, /^\w+\/plugin\.ts$/, /^\w+\/routes\//];

const FRAMEWORK = /^(fastify|fastify-[\w-]+|@fastify\/[\w-]+|find-my-way)$/;

t.test('domain modules import neither Fastify nor src/http', async (t) => {
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  const domain = files.filter((file) => !HTTP_SIDE.some((pattern) => pattern.test(file.split(path.sep).join('/'))));
  t.ok(domain.length > 50, `the domain modules were found (${domain.length})`);
  const offending = domain.flatMap((file) => {
    const source = readFileSync(path.join(SRC, file), 'utf8');
    const specifiers = [...source.matchAll(/^(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
    return specifiers
      .filter((spec) => FRAMEWORK.test(spec) || (spec.startsWith('.') && path.resolve(SRC, path.dirname(file), spec).startsWith(path.join(SRC, 'http') + path.sep)))
      .map((spec) => `${file} imports ${spec}`);
  });
  t.same(offending, []);
});
