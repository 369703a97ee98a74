import { parseArgs } from 'node:util';
import { ConfigError } from './config.js';
import { EnvFileError, loadEnvFile } from './env-file.js';

/**
 * What every command-line tool shares (scripts/*.ts): options with --help, one-line errors without
 * stack traces, the same exit codes, .env loading, the Coach API key and requests to a running Coach.
 */

/** The exit codes of every command (README, "Command-line tools"). */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/** An error for the person at the terminal: printed as one line, ending the command with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad command line or input file: exit code 2, with a pointer to --help. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

interface StringOption {
  type: 'string';
  description: string;
  /** The value's name in the help text: `--file FILE`. */
  placeholder?: string;
  default?: string;
  required?: true;
}

interface BooleanOption {
  type: 'boolean';
  description: string;
}

export type OptionSpec = StringOption | BooleanOption;

export interface CommandSpec<O extends Record<string, OptionSpec>> {
  /** The npm script (`npm run <name> --`), which is also the command's name in the image. */
  name: string;
  summary: string;
  options: O;
  /** Further help paragraphs: input formats, environment variables. */
  notes?: string;
  /** What exit code 1 means for this command. */
  failure: string;
  /** What exit code 3 means, for commands that talk to a server. */
  unreachable?: string;
}

export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K] extends BooleanOption ? boolean : O[K] extends { required: true } | { default: string } ? string : string | undefined;
};

/** Types a command's options from the literal spec, so each script gets exactly its own values. */
export function defineCommand<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

export function helpText<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): string {
  const rows = Object.entries(spec.options).map(([name, option]) => {
    if (option.type === 'boolean') return [`--${name}`, option.description];
    const suffix = option.required ? ' (required)' : option.default !== undefined ? ` (default ${option.default})` : '';
    return [`--${name} ${option.placeholder ?? 'VALUE'}`, option.description + suffix];
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([flag]) => flag!.length)) + 2;
  const codes = ['0  success', `1  ${spec.failure}`, '2  usage error: a bad option, an unreadable or invalid input file or variable'];
  if (spec.unreachable !== undefined) codes.push(`3  ${spec.unreachable}`);
  return [
    `usage: npm run ${spec.name} -- [options]`,
    '',
    spec.summary,
    '',
    'options:',
    ...rows.map(([flag, description]) => `  ${flag!.padEnd(width)}${description}`),
    ...(spec.notes === undefined ? [] : ['', spec.notes]),
    '',
    'Variables not set in the environment are read from .env in the working directory, if present.',
    'exit codes:',
    ...codes.map((line) => `  ${line}`),
  ].join('\n');
}

/** parseArgs' messages, reworded to name the option as it is typed. */
function argumentProblem(err: NodeJS.ErrnoException): string {
  const option = /'(-[^' ]+)/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return /does not take an argument/.test(err.message) ? `${option} takes no value` : `${option} needs a value`;
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${/'([^']*)'/.exec(err.message)?.[1]}: every value follows its option`;
  return err.message;
}

export function parseCommand<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, argv: string[]): OptionValues<O> {
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, option]) => [
      name,
      option.type === 'boolean' ? { type: 'boolean' as const, default: false } : { type: 'string' as const, ...(option.default === undefined ? {} : { default: option.default }) },
    ]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(argumentProblem(err as NodeJS.ErrnoException));
  }
  for (const [name, option] of Object.entries(spec.options)) {
    if (option.type === 'string' && option.required && (values[name] === undefined || values[name] === '')) throw new UsageError(`--${name} is required`);
  }
  return values as OptionValues<O>;
}

/** Without `max`, the range is left to whoever receives the value (the server validates its own). */
export function integerOption(name: string, raw: string, min: number, max?: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || (max !== undefined && Number(raw) > max)) {
    throw new UsageError(`--${name} must be an integer ${max === undefined ? `of at least ${min}` : `from ${min} to ${max}`}, got "${raw}"`);
  }
  return Number(raw);
}

/** An http(s) URL from an option or a variable, named by `source` in the error. */
export function httpUrl(source: string, raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  if (url === undefined || !/^https?:$/.test(url.protocol)) throw new UsageError(`${source} must be an http:// or https:// URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

/**
 * The key for a running Coach: --key if given, else COACH_API_KEY. A key on the command line is
 * echoed by npm, listed by ps and kept in shell history, hence the warning.
 */
export function coachApiKey(command: string, flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag !== undefined) {
    process.stderr.write(
      `${command}: warning: a key given with --key is echoed by npm, visible to ps and kept in your shell history; set COACH_API_KEY (in the environment or .env) instead\n`,
    );
    return flag;
  }
  const key = env.COACH_API_KEY?.trim();
  return key === '' ? undefined : key;
}

/** Why a connection failed: `connect ECONNREFUSED 127.0.0.1:8080` rather than undici's bare "fetch failed". */
export function connectionProblem(err: unknown): string {
  const cause = ((err as { cause?: unknown }).cause ?? err) as { message?: string; code?: string; errors?: { message?: string }[] };
  // Several addresses tried (localhost is ::1 and 127.0.0.1): an AggregateError without a message of its own.
  const each = cause.errors?.map((e) => e.message).filter(Boolean);
  return (each !== undefined && each.length > 0 ? each.join('; ') : cause.message) || cause.code || String(cause);
}

export class UnreachableError extends CliError {
  constructor(what: string, where: string, reason: string) {
    super(`cannot reach ${what} at ${where}: ${reason}`, EXIT.unreachable);
  }
}

/** Coach answered with an error status; the message is the one in its error body. */
export class CoachHttpError extends CliError {
  constructor(
    readonly status: number,
    request: string,
    body: string,
  ) {
    let message = body.trim().slice(0, 500);
    try {
      message = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // Not Coach's JSON error (a proxy's page): shown as it came.
    }
    super(`${request} answered ${status}: ${message}`);
  }
}

export interface CoachRequest {
  key?: string;
  body?: unknown;
  timeoutMs?: number;
}

/** One request to a running Coach at `baseUrl` (which may have a path prefix); the answer's text. */
export async function coachRequest(baseUrl: string, method: string, route: string, request: CoachRequest = {}): Promise<string> {
  const headers: Record<string, string> = {};
  if (request.key !== undefined) headers.authorization = `Bearer ${request.key}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const base = baseUrl.replace(/\/+$/, '');
  let status: number;
  let text: string;
  try {
    const res = await fetch(`${base}${route}`, {
      method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: request.timeoutMs === undefined ? undefined : AbortSignal.timeout(request.timeoutMs),
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw new CliError(`Coach at ${base} did not answer ${method} ${route} within ${request.timeoutMs! / 1000} s`, EXIT.unreachable);
    throw new UnreachableError('Coach', base, connectionProblem(err));
  }
  if (status < 200 || status >= 300) throw new CoachHttpError(status, `${method} ${route}`, text);
  return text;
}

/** Node's file errors, as the one line a person needs: `cannot read x.json: no such file or directory`. */
function fileProblem(err: NodeJS.ErrnoException): string | undefined {
  if (err.path === undefined || !['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EPERM'].includes(err.code ?? '')) return undefined;
  return `cannot read ${err.path}: ${err.message.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`;
}

/** Prints what went wrong as one line and returns the exit code. */
function report(command: string, err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`${command}: ${err.message} (see --help)\n`);
    return EXIT.usage;
  }
  if (err instanceof CliError) {
    process.stderr.write(`${command}: ${err.message}\n`);
    return err.exitCode;
  }
  const file = fileProblem(err as NodeJS.ErrnoException);
  if (err instanceof ConfigError || err instanceof EnvFileError || file !== undefined) {
    process.stderr.write(`${command}: ${file ?? (err as Error).message}\n`);
    return EXIT.usage;
  }
  process.stderr.write(`${command} failed: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.failed;
}

/**
 * Runs a command: loads .env, answers --help, parses the options, runs `main` and exits with the
 * code it returns (0 when none), or with the code of what it threw.
 */
export async function runCommand<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  main: (values: OptionValues<O>) => Promise<number | void>,
): Promise<never> {
  let code: number;
  try {
    loadEnvFile();
    const argv = process.argv.slice(2);
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(`${helpText(spec)}\n`);
      code = EXIT.ok;
    } else {
      code = (await main(parseCommand(spec, argv))) ?? EXIT.ok;
    }
  } catch (err) {
    code = report(spec.name, err);
  }
  process.exit(code);
}
