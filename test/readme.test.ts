import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';

const SRC = new URL('../src/', import.meta.url);

t.test('every environment variable the service reads is in the README configuration table', async (t) => {
  // Each feature's configuration section reads its own variables, wherever its loader lives.
  const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(new URL(file, SRC), 'utf8'));
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const read = new Set(sources.flatMap((source) => [...source.matchAll(/env, '([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!)));
  t.ok(read.size >= 10, 'the variables were found in the sources under src/');
  const documented = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
  t.same([...read].filter((name) => !documented.has(name)), [], 'read but not documented');
  t.same([...documented].filter((name) => !read.has(name)), [], 'documented but not read');
});

t.test('CI runs the test command the README gives', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
  t.match(readme, /^npm test\b/m);
  t.match(ci, /npm test/);
});
