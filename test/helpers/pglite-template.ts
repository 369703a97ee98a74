import { createHash } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultMigrationsDir, migrate } from '../../src/db/migrate.js';
import { openPglite, type PgliteDb } from '../../src/db/pglite-db.js';
import { projectRoot } from '../../src/project-root.js';

/**
 * PGlite data directories shared by all test files through files in the temp directory, keyed by
 * what they are built from: loading one takes ~0.4 s where initdb takes ~4 s.
 */
async function cached(name: string, make: () => Promise<Blob>): Promise<Blob> {
  const file = path.join(os.tmpdir(), `coach-test-pglite-${name}.tar`);
  try {
    return new Blob([await readFile(file)]);
  } catch {
    const image = await make();
    // Written aside and renamed, so a parallel test file never reads half an image.
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, Buffer.from(await image.arrayBuffer()));
    await rename(partial, file);
    return image;
  }
}

async function dumped(image?: Blob, prepare?: (db: PgliteDb) => Promise<unknown>): Promise<Blob> {
  const db = await openPglite(undefined, image);
  await prepare?.(db);
  const dump = await db.dump();
  await db.close();
  return dump;
}

async function pgliteVersion(): Promise<string> {
  const manifest = await readFile(path.join(projectRoot(), 'node_modules/@electric-sql/pglite/package.json'), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

let empty: Promise<Blob> | undefined;
let migrated: Promise<Blob> | undefined;

/** A freshly initialised PGlite with nothing migrated, as a fresh COACH_DATA_DIR starts. */
export function emptyPgliteImage(): Promise<Blob> {
  empty ??= pgliteVersion().then((version) => cached(`empty-${version}`, () => dumped()));
  return empty;
}

/** A migrated, empty database; keyed by PGlite, the migrations and the code that records them. */
export function pgliteTemplate(): Promise<Blob> {
  migrated ??= (async () => {
    const dir = defaultMigrationsDir();
    const hash = createHash('sha256').update(await pgliteVersion()).update(await readFile(path.join(projectRoot(), 'src/db/migrate.ts')));
    for (const name of (await readdir(dir)).sort()) hash.update(name).update(await readFile(path.join(dir, name)));
    return cached(hash.digest('hex').slice(0, 16), async () => dumped(await emptyPgliteImage(), (db) => migrate(db)));
  })();
  return migrated;
}
