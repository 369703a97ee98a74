import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json and migrations/, found by walking up from this module, so the
 * same code works from src/ (tsx) and from dist/src/ (the built image).
 */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!(existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'migrations')))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json with migrations/ above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}
