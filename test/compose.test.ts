import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';

// The container setup cannot be run here (no Docker engine), so its wiring is checked statically.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions per stage, with line continuations joined and comments dropped. */
function dockerfileStages(text: string): Instruction[][] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Instruction[][] = [];
  for (const line of lines) {
    const [, op, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    const instruction = { op: op!.toUpperCase(), args: args!.replace(/\s+/g, ' ') };
    if (instruction.op === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

/** ENV KEY=VALUE pairs (several per line allowed). */
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { op, args } of stage) {
    if (op !== 'ENV') continue;
    for (const [, key, value] of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[key!] = value!.replace(/^"|"$/g, '');
  }
  return env;
}

/** Compose `environment` as a map, whether written as a map or a KEY=VALUE list. */
function environment(service: { environment?: Record<string, unknown> | string[] }): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

const stages = dockerfileStages(read('Dockerfile'));
const runtime = stages.at(-1)!;
const runtimeEnv = envOf(runtime);
const compose = parse(read('docker-compose.yml'));

t.test('the runtime image runs the built service as non-root with a health check', async (t) => {
  t.ok(stages.length >= 2, 'multi-stage: build tools stay out of the runtime image');
  t.match(stages[0]![0]!.args, /^node:20\S* AS \w+/i);
  t.ok(stages[0]!.some((i) => i.op === 'RUN' && /\bnpm run build\b/.test(i.args)), 'the build stage compiles');
  t.match(runtime[0]!.args, /^node:20-bookworm-slim\b/);
  t.ok(runtime.some((i) => i.op === 'RUN' && /\bnpm ci\b.*--omit=dev\b/.test(i.args)), 'production dependencies only');

  const users = runtime.filter((i) => i.op === 'USER').map((i) => i.args.split(':')[0]);
  t.ok(users.length > 0, 'sets USER');
  t.notOk(['root', '0'].includes(users.at(-1)!), `runs as ${users.at(-1)}, not root`);

  const health = runtime.find((i) => i.op === 'HEALTHCHECK');
  t.ok(health, 'has a HEALTHCHECK');
  t.notMatch(health?.args ?? '', /^NONE/i);
  t.match(health?.args ?? '', /\/healthz/);
  t.notMatch(health?.args ?? '', /\bcurl\b|\bwget\b/, 'uses no tool the slim image lacks');

  t.equal(runtimeEnv.HOST, '0.0.0.0', 'listens beyond the container loopback');
  t.match(runtimeEnv.PORT ?? '', /^\d+$/);
  t.ok(runtimeEnv.COACH_DATA_DIR, 'embedded data has a known place for a volume');
});

/** The commands of bin/coach (the image's entrypoint) and the file each runs with node. */
function entrypointCommands(): Record<string, string> {
  const script = read('bin/coach');
  return Object.fromEntries([...script.matchAll(/^\s*([a-z:]+)\) exec node "\$root\/(\S+)" "\$@" ;;$/gm)].map((m) => [m[1]!, m[2]!]));
}

t.test('the image starts what the build produces, next to its migrations', async (t) => {
  const tsconfig = JSON.parse(read('tsconfig.json')).compilerOptions as { outDir: string; rootDir: string };
  const built = (source: string) => path.posix.join(tsconfig.outDir, path.posix.relative(tsconfig.rootDir, source.replace(/\.ts$/, '.js')));
  const argv = (op: string) => {
    const args = runtime.filter((i) => i.op === op).at(-1)?.args ?? '';
    return (args.startsWith('[') ? JSON.parse(args) : args.split(' ')) as string[];
  };
  t.same(argv('ENTRYPOINT'), ['sh', '/app/bin/coach'], 'bin/coach dispatches');
  t.same(argv('CMD'), ['serve'], 'to the service by default');
  t.equal(entrypointCommands().serve, built('src/main.ts'), `serve runs ${built('src/main.ts')}`);
  t.equal(JSON.parse(read('package.json')).main, built('src/main.ts'));

  const copies = runtime.filter((i) => i.op === 'COPY').map((i) => i.args);
  t.ok(copies.some((c) => /^--from=\w+ \S*dist\/? \S*dist\/?$/.test(c)), 'copies dist/ from the build stage');
  t.ok(copies.some((c) => /^migrations\/? /.test(c)), 'copies migrations/ (located at run time by walking up from dist/)');
  t.ok(copies.some((c) => /\bpackage\.json\b/.test(c)), 'copies package.json');
  t.ok(copies.includes('bin ./bin'), 'copies the entrypoint');
  for (const prompts of ['src/teacher/prompts', 'src/evaluation/prompts']) t.ok(copies.includes(`${prompts} ./${prompts}`), `copies ${prompts} (read at run time)`);

  // Whatever the Dockerfile copies from the context must not be excluded by .dockerignore.
  const ignored = read('.dockerignore').split('\n').map((l) => l.trim().replace(/\/$/, '')).filter((l) => l !== '' && !l.startsWith('#'));
  const sources = stages.flat().filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(' ').slice(0, -1));
  for (const source of sources) t.notOk(ignored.includes(source.replace(/\/$/, '')), `${source} is in the build context`);
  t.ok(ignored.includes('node_modules'), 'host node_modules stay out of the context');
  t.ok(ignored.includes('.env'), 'secrets in .env stay out of the image');
});

t.test('the image runs every command-line tool the npm scripts run, from the build', async (t) => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  const build = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
  const commands = entrypointCommands();
  for (const name of ['teach', 'eval:retrieval', 'eval:dialogue', 'eval:tau', 'export:sft', 'bench']) {
    const source = /^tsx (scripts\/\S+\.ts)$/.exec(pkg.scripts[name] ?? '')?.[1];
    t.ok(source, `npm run ${name} runs a script`);
    t.equal(commands[name], `dist/${source!.replace(/\.ts$/, '.js')}`, `coach ${name} runs its build`);
    t.ok(build.include.includes(source!.split('/')[0]!), `npm run build compiles ${source}`);
  }
  t.ok(stages[0]!.some((i) => i.op === 'COPY' && i.args === 'scripts ./scripts'), 'the build stage has the scripts');
});

t.test('compose wires coach to the pgvector database it waits for', async (t) => {
  const { db, coach } = compose.services;
  t.match(db.image, /^pgvector\/pgvector:pg\d+$/);
  const dbEnv = environment(db);
  const coachEnv = environment(coach);
  const url = new URL(coachEnv.DATABASE_URL!);
  t.match(url.protocol, /^postgres(ql)?:$/);
  t.equal(url.hostname, 'db', 'the database host is the db service');
  t.equal(url.port || '5432', '5432');
  t.equal(decodeURIComponent(url.username), dbEnv.POSTGRES_USER);
  t.equal(url.pathname.slice(1), dbEnv.POSTGRES_DB);
  t.match(dbEnv.POSTGRES_PASSWORD, /^\$\{POSTGRES_PASSWORD:\?.+\}$/, 'the password is required from .env, not written here');
  t.equal(url.password, '', 'not in the URL, where some characters would need encoding');
  t.equal(coachEnv.PGPASSWORD, dbEnv.POSTGRES_PASSWORD, 'coach gets it as PGPASSWORD, which pg reads');

  t.same(coach.depends_on?.db, { condition: 'service_healthy' }, 'coach starts only when the database is healthy');
  const test = ([] as string[]).concat(db.healthcheck?.test ?? []).join(' ');
  t.match(test, /pg_isready/);
  t.match(test, new RegExp(`-U ${dbEnv.POSTGRES_USER}\\b`));

  t.match(coachEnv.COACH_ADMIN_KEY, /^\$\{COACH_ADMIN_KEY:\?.+\}$/, 'compose refuses to start without an admin key');
  t.equal(coach.build === '.' || coach.build?.context === '.', true, 'coach is built from this repository');
  const dataVolume = (db.volumes as string[]).find((v) => v.split(':')[1] === '/var/lib/postgresql/data');
  t.ok(dataVolume, 'the database keeps its data in a volume');
  t.ok(dataVolume && dataVolume.split(':')[0]! in (compose.volumes ?? {}), 'a named volume, declared at top level');
});

t.test('compose passes .env to coach, publishes on loopback by default, and keeps the container wiring', async (t) => {
  const { coach } = compose.services;
  const coachEnv = environment(coach);
  t.same(coach.env_file, [{ path: '.env', required: false }], 'the model and other settings come from .env, when there is one');
  t.same(coach.ports, [`\${COACH_PUBLISH:-127.0.0.1}:${runtimeEnv.PORT}:${runtimeEnv.PORT}`], "the image's PORT, on 127.0.0.1 unless COACH_PUBLISH says otherwise");
  // environment wins over env_file: a .env written for `npm start` on the host must not unwire the container.
  t.equal(coachEnv.HOST, '0.0.0.0', 'listens beyond the container loopback');
  t.equal(coachEnv.PORT, runtimeEnv.PORT, 'on the published port');
  t.equal(coachEnv.COACH_URL, `http://coach:${runtimeEnv.PORT}`, 'the tools run beside it find the service');
});
