import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { lockDataDir } from '../src/db/data-dir-lock.js';

/** A live process standing in for a Coach that holds the lock; it exits when its stdin closes. */
async function holder(t: Test): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', "process.stdin.resume(); process.stdin.on('end', () => process.exit(0)); console.log('up')"], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await once(child.stdout!, 'data');
  return child;
}

async function lockedDir(t: Test, pid: number): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'coach-lock-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'coach.lock'), String(pid));
  return dir;
}

t.test('a lock whose holder is still exiting is taken once the holder is gone', async (t) => {
  const child = await holder(t);
  const dir = await lockedDir(t, child.pid!);
  let settled = false;
  const acquiring = lockDataDir(dir, { waitMs: 60_000, pollMs: 20 }).finally(() => (settled = true));
  // Several polls see the holder alive; none of them may take the lock from it.
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.notOk(settled, 'waits while the holder lives');

  child.stdin!.end();
  const release = await acquiring;
  t.not(child.exitCode, null, 'the holder has exited');
  t.equal(await readFile(path.join(dir, 'coach.lock'), 'utf8'), String(process.pid), 'the lock now names this process');
  await release();
});

t.test('a lock whose holder never exits fails with a clear error after the bound', async (t) => {
  const child = await holder(t);
  const dir = await lockedDir(t, child.pid!);
  await t.rejects(
    lockDataDir(dir, { waitMs: 300, pollMs: 20 }),
    new RegExp(`^data directory ${dir} is in use by process ${child.pid} \\(lock file ${path.join(dir, 'coach.lock')}\\); still running after waiting 0.3 s`),
  );
  t.equal(child.exitCode, null, 'the holder is untouched');
  t.equal(await readFile(path.join(dir, 'coach.lock'), 'utf8'), String(child.pid), 'its lock file too');
});

t.test('a lock left by a dead process is taken over at once', async (t) => {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  const dir = await lockedDir(t, child.pid!);
  const release = await lockDataDir(dir, { waitMs: 0 });
  t.equal(await readFile(path.join(dir, 'coach.lock'), 'utf8'), String(process.pid));
  await release();
});
