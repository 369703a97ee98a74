import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

export class EnvFileError extends Error {
  constructor(file: string, problem: string) {
    super(`cannot read ${file}: ${problem}`);
    this.name = 'EnvFileError';
  }
}

/**
 * Copies the variables of a dotenv file (by default `.env` in the working directory) into `env`,
 * as `process.loadEnvFile` does, except that a missing file is not an error. A variable already set,
 * even to an empty string, wins: the file is a developer's default, never an override of what a
 * deployment or a test passes in. Returns whether a file was read.
 */
export function loadEnvFile(file = '.env', env: NodeJS.ProcessEnv = process.env): boolean {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new EnvFileError(file, (err as Error).message);
  }
  for (const [name, value] of Object.entries(parseEnv(content))) {
    if (env[name] === undefined && value !== undefined) env[name] = value;
  }
  return true;
}
