import { open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process named by the lock file, or undefined when the lock is stale or unreadable. */
async function liveHolder(lockPath: string): Promise<number | undefined> {
  const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
  return Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder) ? holder : undefined;
}

export interface LockOptions {
  /**
   * How long to wait for a live holder to exit. A killed instance can take over a second to
   * disappear (PGlite's memory is large), and a supervisor restarting it at once must not fail.
   */
  waitMs?: number;
  pollMs?: number;
}

/**
 * Takes an exclusive lock file in `dir` holding this process's pid; a lock left by a dead process is
 * taken over, one held by a live process is waited for up to `waitMs`. Returns the release function.
 */
export async function lockDataDir(dir: string, { waitMs = 10_000, pollMs = 100 }: LockOptions = {}): Promise<() => Promise<void>> {
  const lockPath = path.join(dir, 'coach.lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(lockPath).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await liveHolder(lockPath);
    if (holder === undefined) {
      // Left by a dead process. Another one taking it over at the same time may have removed it first.
      await unlink(lockPath).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `data directory ${dir} is in use by process ${holder} (lock file ${lockPath}); still running after waiting ${waitMs / 1000} s: ` +
          'stop that process, or give this one another COACH_DATA_DIR',
      );
    }
    await sleep(pollMs);
  }
}
