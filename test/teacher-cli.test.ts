import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ADMIN_KEY } from './helpers/app.js';
import { CANCEL, teacherSetup } from './helpers/teacher.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/teach.ts', ...args], { cwd: ROOT, env: { ...process.env, COACH_API_KEY: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

t.test('npm run teach submits a job from a file, follows it, and prints the summary', async (t) => {
  const { app, lib } = await teacherSetup(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'coach-teach-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'scenarios.json');
  await writeFile(file, JSON.stringify([CANCEL]));

  const ok = await runCli(['--library', lib.id, '--file', file, '--url', url, '--key', ADMIN_KEY, '--rounds', '1', '--interval', '100']);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /job [0-9a-f-]{36}: done/);
  t.match(ok.stdout, /steps: 1\/1 finished, 0 failed/);
  t.match(ok.stdout, /entries created: 1\n {2}[0-9a-f-]{36}/);
  // A move per rollout (3), the note and the policy check; the judge compares and marks the samples.
  t.match(ok.stdout, /teacher +teacher-model: 5 calls/);
  t.match(ok.stdout, /judge +teacher-model: 33 calls/);
  t.match(ok.stdout, /approved entries given a pending revision: 0\njudged by: teacher-model \(the teacher itself\)/);

  const missing = await runCli(['--file', file, '--url', url, '--key', ADMIN_KEY]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /--library is required/);
  const refused = await runCli(['--library', lib.id, '--file', file, '--url', url, '--key', 'not-a-key']);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /^teach: POST \/v1\/libraries\/[0-9a-f-]{36}\/teach answered 401: the API key is invalid or revoked$/m, "the server's own message");
  t.match(refused.stderr, /^teach: warning: a key given with --key is echoed by npm/m);
});
