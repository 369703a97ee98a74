import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import t from 'tap';

const ROOT = new URL('../', import.meta.url);
const readme = readFileSync(new URL('README.md', ROOT), 'utf8');

/** The lines of the first fenced block after the `## <title>` heading. */
function block(title: string): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith(`${title}\n`));
  const fenced = section === undefined ? undefined : /```[a-z]*\n([\s\S]*?)```/.exec(section);
  if (fenced === null || fenced === undefined) throw new Error(`README has no "## ${title}" section with a code block`);
  return fenced[1]!.split('\n').filter((line) => line.trim() !== '');
}

/** A shell line without its comment and without quoted strings (which only print or label). */
function commandPart(line: string): string {
  return line.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '""').replace(/(^|\s)#.*$/, '');
}

t.test('every environment variable the service reads is in the README configuration table', async (t) => {
  // Each feature's configuration section reads its own variables, wherever its loader lives.
  const src = new URL('src/', ROOT);
  const sources = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(new URL(file, src), 'utf8'));
  const read = new Set(sources.flatMap((source) => [...source.matchAll(/env, '([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!)));
  t.ok(read.size >= 10, 'the variables were found in the sources under src/');
  const documented = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
  t.same([...read].filter((name) => !documented.has(name)), [], 'read but not documented');
  t.same([...documented].filter((name) => !read.has(name)), [], 'documented but not read');
});

t.test("the README's two commands work as written: package.json has their scripts and CI runs the test one", async (t) => {
  const commands = block('Two commands').map(commandPart).map((c) => c.trim());
  t.same(commands, ['npm install && npm start', 'npm test'], 'the set-up command, then the test command');

  const scripts = (JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const builtins = new Set(['install', 'ci']);
  const used = commands.flatMap((c) => [...c.matchAll(/\bnpm (?:run )?([\w:-]+)/g)].map((m) => m[1]!)).filter((name) => !builtins.has(name));
  t.same(used, ['start', 'test']);
  for (const name of used) t.ok(scripts[name], `package.json has a "${name}" script`);

  const testCommand = commands[1]!;
  const ci = readFileSync(new URL('.ci/run', ROOT), 'utf8').split('\n');
  const runs = ci.filter((line) => new RegExp(`(^|[\\s;&|(])${testCommand}($|[\\s;&|)<>])`).test(commandPart(line)));
  t.ok(runs.length > 0, `.ci/run executes \`${testCommand}\` (not only mentions it)`);
});

t.test("the README's layout names only paths that exist, and every folder under src/", async (t) => {
  const paths = block('Layout').map((line) => line.split(/\s+/)[0]!);
  t.ok(paths.length >= 10, 'the layout lists paths');
  t.same(paths.filter((p) => !existsSync(new URL(p, ROOT))), [], 'listed but missing');
  const folders = readdirSync(new URL('src/', ROOT), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `src/${d.name}/`);
  t.same(folders.filter((f) => !paths.includes(f)), [], 'under src/ but not in the layout');
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
