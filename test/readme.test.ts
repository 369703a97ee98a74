import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import t from 'tap';

t.test('every environment variable the service reads is in the README configuration table', async (t) => {
  const source = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const read = new Set([...source.matchAll(/env, '([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!));
  t.ok(read.size >= 10, 'the variables were found in src/config.ts');
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

t.test('.env.example lists every variable of the README and of compose once, all commented out', async (t) => {
  const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
  const readme = read('README.md');
  const example = read('.env.example');
  const documented = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
  const interpolated = [...new Set([...read('docker-compose.yml').matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!))];
  const listed = [...example.matchAll(/^# ([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
  t.same([...listed].sort(), [...new Set([...documented, ...interpolated])].sort());
  for (const name of interpolated) t.match(readme, `\`${name}\``, `the README explains compose's ${name}`);
  t.same(parseEnv(example), {}, 'copied as it is, it sets nothing');
});
