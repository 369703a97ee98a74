import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { scratch } from './helpers/cli.js';

// A full `tsc` build plus a run of every tool from dist/: well over tap's 2 minutes on a busy machine.
t.setTimeout(600_000);

// No Docker engine here: the runtime image is rebuilt as a directory, following the Dockerfile's
// runtime stage, and the image's commands are run in it the way its entrypoint runs them.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function exec(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The runtime stage's `COPY <sources...> <dest>` from the build context (not from other stages). */
function contextCopies(dockerfile: string): { sources: string[]; dest: string }[] {
  const stages = dockerfile.replace(/\\\r?\n/g, ' ').split(/^FROM /m);
  return [...stages.at(-1)!.matchAll(/^COPY (?!--)(.+)$/gm)].map((m) => {
    const words = m[1]!.trim().split(/\s+/);
    return { sources: words.slice(0, -1), dest: words.at(-1)! };
  });
}

async function jsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.js')).map((e) => path.join(e.parentPath, e.name));
}

t.test('the runtime image layout runs the service code and every command-line tool from dist/', async (t) => {
  const app = await scratch(t);
  const built = await exec(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', path.join(app, 'dist')], { cwd: ROOT });
  t.equal(built.code, 0, `npm run build compiles: ${built.stdout}${built.stderr}`);
  for (const { sources, dest } of contextCopies(await readFile(path.join(ROOT, 'Dockerfile'), 'utf8'))) {
    for (const source of sources) {
      const target = dest.endsWith('/') ? path.join(app, dest, path.basename(source)) : path.join(app, dest);
      await mkdir(path.dirname(target), { recursive: true });
      await cp(path.join(ROOT, source), target, { recursive: true });
    }
  }
  await symlink(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir');

  // The image installs dependencies only (npm ci --omit=dev): the built code may import nothing else.
  const pkg = JSON.parse(await readFile(path.join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const imported = new Set<string>();
  for (const file of await jsFiles(path.join(app, 'dist'))) {
    for (const [, specifier] of (await readFile(file, 'utf8')).matchAll(/(?:from |import\()['"]([^'"./][^'"]*)['"]/g)) {
      const name = specifier!.startsWith('@') ? specifier!.split('/').slice(0, 2).join('/') : specifier!.split('/')[0]!;
      if (!name.startsWith('node:') && !builtinModules.includes(name)) imported.add(name);
    }
  }
  t.ok(imported.has('cli-progress') && imported.has('fastify'), 'the scan finds imports');
  t.same([...imported].filter((name) => pkg.dependencies[name] === undefined), [], 'every package the build imports is a production dependency');

  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
  delete env.DATABASE_URL;
  const coach = (...args: string[]) => exec('sh', [path.join(app, 'bin/coach'), ...args], { cwd: app, env });
  for (const name of ['teach', 'eval:retrieval', 'eval:dialogue', 'eval:tau', 'export:sft', 'bench']) {
    const help = await coach(name, '--help');
    t.equal(help.code, 0, `coach ${name} --help: ${help.stderr}`);
    t.match(help.stdout, new RegExp(`^usage: npm run ${name} -- `));
  }
  const unknown = await coach('tech');
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /^coach: unknown command tech; commands: serve, teach, eval:retrieval, eval:dialogue, eval:tau, export:sft, bench\n$/);

  // eval:retrieval builds the whole app in process: migrations and prompts are found from dist/.
  const data = path.join(app, 'abcd');
  await mkdir(data);
  const doc = (intent: string, title: string, text: string) => JSON.stringify({ intent, title, flow_description: title, text });
  await writeFile(path.join(data, 'guidance_docs.jsonl'), [doc('refund', 'Refund', 'Verify the order, then refund within 30 days.'), doc('address', 'Change address', 'Confirm the new shipping address.')].join('\n'));
  const conversation = (uid: string, intent: string, text: string) =>
    JSON.stringify({ uid, intent, exclude_recommended: false, turns: [{ speaker: 'agent', text: 'Hello, how can I help?' }, { speaker: 'customer', text }] });
  await writeFile(path.join(data, 'abcd_dev.jsonl'), [conversation('c1', 'refund', 'I want my money back for this order'), conversation('c2', 'address', 'please change my shipping address')].join('\n'));
  const evaluated = await coach('eval:retrieval', '--data', data);
  t.equal(evaluated.code, 0, evaluated.stderr);
  t.match(evaluated.stdout, /^ABCD dev: 2 conversations, 2 guidance entries, docs only; 8 retrievals/);
  t.match(evaluated.stdout, /\| whole dialogue \| Coach \/retrieve \| \d\.\d{3} \| \d\.\d{3}–\d\.\d{3} \| \d\.\d{3} \| \d\.\d{3} \|/);
  t.match(evaluated.stdout, /- whole dialogue: BM25 [+−]\d\.\d{3} \([+−]\d\.\d{3} to [+−]\d\.\d{3}; \d+ vs \d+ discordant\)/, 'the paired difference with its interval');
});
