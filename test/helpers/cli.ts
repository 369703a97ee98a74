import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// By URL, so the commands can run in a directory of the test's own (where a .env may be).
const TSX = import.meta.resolve('tsx');
export const COMMANDS = [
  ['scripts/teach.ts', 'teach'],
  ['scripts/eval-retrieval.ts', 'eval:retrieval'],
  ['scripts/eval-dialogue.ts', 'eval:dialogue'],
  ['scripts/bench.ts', 'bench'],
  ['scripts/write-openapi.ts', 'openapi'],
] as const;
// The developer's own settings must not reach the commands under test.
const OWN_VARIABLES = ['HOST', 'PORT', 'LOG_LEVEL', 'DATABASE_URL', 'COACH_DATA_DIR', 'COACH_ADMIN_KEY', 'COACH_URL', 'COACH_API_KEY', 'STUDENT_BASE_URL', 'STUDENT_MODEL', 'TEACHER_BASE_URL', 'TEACHER_MODEL'];

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A working directory of the test's own, removed afterwards. */
export async function scratch(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'coach-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs a script of the repository (`scripts/teach.ts`) as a user would, in `cwd`, without the developer's own settings. */
export function run(script: string, args: string[], { cwd, env = {} }: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of OWN_VARIABLES) delete childEnv[name];
  const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, script), ...args], { cwd, env: { ...childEnv, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A command that wrongly keeps running (a server that starts) fails the test instead of hanging it.
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** A port nothing listens on (it was free a moment ago, and nothing here takes it). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** What a person sees for a mistake of theirs: exactly one line, no stack trace. */
export function oneLine(t: Test, result: Run, code: number, line: string | RegExp): void {
  t.equal(result.code, code, `exit code ${code}`);
  const lines = result.stderr.trimEnd().split('\n');
  t.equal(lines.length, 1, `one line: ${result.stderr}`);
  t.match(lines[0], line);
  t.notMatch(result.stderr, /^\s+at /m, 'no stack trace');
}
