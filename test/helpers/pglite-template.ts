import { createHash } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultMigrationsDir, migrate } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite-db.js';

/**
 * A migrated, empty PGlite data directory shared by all test files through a file in the temp
 * directory, keyed by the migrations' content: loading it takes ~0.4 s where initdb takes ~4 s.
 */
async function templatePath(): Promise<string> {
  const dir = defaultMigrationsDir();
  const hash = createHash('sha256');
  for (const name of (await readdir(dir)).sort()) hash.update(name).update(await readFile(path.join(dir, name)));
  return path.join(os.tmpdir(), `coach-test-pglite-${hash.digest('hex').slice(0, 16)}.tar`);
}

let cached: Promise<Blob> | undefined;

async function build(): Promise<Blob> {
  const file = await templatePath();
  try {
    return new Blob([await readFile(file)]);
  } catch {
    const db = await openPglite();
    await migrate(db);
    const image = await db.dump();
    await db.close();
    // Written aside and renamed, so a parallel test file never reads half a template.
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, Buffer.from(await image.arrayBuffer()));
    await rename(partial, file);
    return image;
  }
}

export function pgliteTemplate(): Promise<Blob> {
  cached ??= build();
  return cached;
}
