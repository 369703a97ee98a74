import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { closedPort, oneLine, run, scratch } from './helpers/cli.js';

t.test('teach: usage errors, unreadable input and an unreachable Coach each say what is wrong', async (t) => {
  const cwd = await scratch(t);
  const scenarios = path.join(cwd, 'scenarios.json');
  await writeFile(scenarios, '[]');
  const bad = path.join(cwd, 'bad.json');
  await writeFile(bad, '[{"id": ');
  const port = await closedPort();
  const env = { COACH_API_KEY: 'some-key-0123456789', COACH_URL: `http://127.0.0.1:${port}` };

  oneLine(t, await run('scripts/teach.ts', ['--library', 'lib'], { cwd, env }), 2, 'teach: --file is required (see --help)');
  oneLine(t, await run('scripts/teach.ts', ['--library', '--file', scenarios], { cwd, env }), 2, 'teach: --library needs a value (see --help)');
  oneLine(t, await run('scripts/teach.ts', ['--library', 'lib', '--file', scenarios, '--rounds', 'two'], { cwd, env }), 2, /--rounds must be an integer/);
  oneLine(t, await run('scripts/teach.ts', ['--library', 'lib', '--file', path.join(cwd, 'missing.json')], { cwd, env }), 2, `teach: cannot read ${path.join(cwd, 'missing.json')}: no such file or directory`);
  oneLine(t, await run('scripts/teach.ts', ['--library', 'lib', '--file', bad], { cwd, env }), 2, new RegExp(`^teach: ${bad} is not valid JSON: `));
  oneLine(t, await run('scripts/teach.ts', ['--library', 'lib', '--file', scenarios], { cwd, env: { COACH_URL: env.COACH_URL } }), 2, 'teach: no API key: set COACH_API_KEY (or pass --key)');
  oneLine(t, await run('scripts/teach.ts', ['--library', 'lib', '--file', scenarios, '--url', 'localhost:8080'], { cwd, env }), 2, /--url must be an http:\/\/ or https:\/\/ URL/);

  oneLine(t, await run('scripts/teach.ts', ['--library', 'lib', '--file', scenarios], { cwd, env }), 3, `teach: cannot reach Coach at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
  const flagged = await run('scripts/teach.ts', ['--library', 'lib', '--file', scenarios, '--key', 'a-key-on-the-command-line'], { cwd, env: { COACH_URL: env.COACH_URL } });
  t.equal(flagged.code, 3);
  t.match(flagged.stderr, /^teach: warning: a key given with --key is echoed by npm, visible to ps and kept in your shell history; set COACH_API_KEY/);
});

t.test('the commands read .env from the working directory; the environment wins over it', async (t) => {
  const cwd = await scratch(t);
  const scenarios = path.join(cwd, 'scenarios.json');
  await writeFile(scenarios, '[]');
  const [fromFile, fromEnv] = [await closedPort(), await closedPort()];
  await writeFile(path.join(cwd, '.env'), `# a developer's settings\nCOACH_URL=http://127.0.0.1:${fromFile}\nCOACH_API_KEY="key-from-dotenv-0123"\n`);

  oneLine(t, await run('scripts/teach.ts', ['--library', 'lib', '--file', scenarios], { cwd }), 3, `teach: cannot reach Coach at http://127.0.0.1:${fromFile}:`);
  const overridden = await run('scripts/teach.ts', ['--library', 'lib', '--file', scenarios], { cwd, env: { COACH_URL: `http://127.0.0.1:${fromEnv}` } });
  oneLine(t, overridden, 3, `teach: cannot reach Coach at http://127.0.0.1:${fromEnv}:`);
  // Set but empty is set: the file does not fill it in.
  oneLine(t, await run('scripts/teach.ts', ['--library', 'lib', '--file', scenarios], { cwd, env: { COACH_API_KEY: '' } }), 2, /no API key/);
});

t.test('eval:dialogue: missing models are usage errors; an unreachable Coach exits 3', async (t) => {
  const cwd = await scratch(t);
  const scenarios = path.join(cwd, 'scenarios.jsonl');
  await writeFile(scenarios, `${JSON.stringify({ id: 's1', hidden_goal: 'cancel', known_info: 'order 1', policy_facts: ['cancel pending orders'] })}\n`);
  const port = await closedPort();
  const args = ['--library', 'lib', '--scenarios', scenarios, '--out', path.join(cwd, 'out')];

  oneLine(t, await run('scripts/eval-dialogue.ts', args, { cwd }), 2, /^eval:dialogue: no student model is configured: set STUDENT_BASE_URL and STUDENT_MODEL/);
  const models = { STUDENT_BASE_URL: `http://127.0.0.1:${port}/v1`, STUDENT_MODEL: 's', TEACHER_BASE_URL: `http://127.0.0.1:${port}/v1`, TEACHER_MODEL: 't' };
  oneLine(t, await run('scripts/eval-dialogue.ts', ['--library', 'lib', '--scenarios', path.join(cwd, 'none.jsonl')], { cwd, env: models }), 2, /^eval:dialogue: cannot read .*none\.jsonl: no such file/);
  oneLine(t, await run('scripts/eval-dialogue.ts', args, { cwd, env: { ...models, COACH_URL: `http://127.0.0.1:${port}` } }), 3, `eval:dialogue: cannot reach Coach at http://127.0.0.1:${port}: connect ECONNREFUSED`);
});

t.test('eval:retrieval and bench: missing data and an unreachable PostgreSQL say so', async (t) => {
  const cwd = await scratch(t);
  const port = await closedPort();
  oneLine(t, await run('scripts/eval-retrieval.ts', [], { cwd }), 2, 'eval:retrieval: --data is required (see --help)');
  oneLine(t, await run('scripts/eval-retrieval.ts', ['--data', path.join(cwd, 'nowhere')], { cwd }), 2, `eval:retrieval: cannot read ${path.join(cwd, 'nowhere', 'guidance_docs.jsonl')}: no such file or directory`);
  await writeFile(path.join(cwd, 'guidance_docs.jsonl'), '');
  await writeFile(path.join(cwd, 'abcd_dev.jsonl'), '{"uid": \n');
  oneLine(t, await run('scripts/eval-retrieval.ts', ['--data', cwd], { cwd }), 2, `eval:retrieval: ${path.join(cwd, 'abcd_dev.jsonl')} line 1 is not valid JSON (see --help)`);
  await writeFile(path.join(cwd, 'abcd_dev.jsonl'), '');
  const unreachable = `postgres://coach@127.0.0.1:${port}/coach`;
  oneLine(t, await run('scripts/eval-retrieval.ts', ['--data', cwd, '--database-url', unreachable], { cwd }), 3, `eval:retrieval: cannot reach PostgreSQL at 127.0.0.1:${port}: connect ECONNREFUSED`);

  oneLine(t, await run('scripts/bench.ts', [], { cwd }), 2, 'bench: set DATABASE_URL (or --database-url) to a PostgreSQL server with pgvector (see --help)');
  oneLine(t, await run('scripts/bench.ts', ['--sizes', '100,10'], { cwd, env: { DATABASE_URL: unreachable } }), 2, 'bench: --sizes must be ascending, got "100,10" (see --help)');
  oneLine(t, await run('scripts/bench.ts', [], { cwd, env: { DATABASE_URL: unreachable } }), 3, `bench: cannot reach PostgreSQL at 127.0.0.1:${port}: connect ECONNREFUSED`);
});
