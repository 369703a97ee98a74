import t from 'tap';
import { connectionProblem, defineCommand, helpText, httpUrl, integerOption, parseCommand } from '../src/cli.js';
import { COMMANDS, oneLine, run, scratch } from './helpers/cli.js';

t.test('every command answers --help with its options and exit codes', async (t) => {
  const cwd = await scratch(t);
  for (const [script, name] of COMMANDS) {
    const result = await run(script, ['--help'], { cwd });
    t.equal(result.code, 0, `${name} --help exits 0`);
    t.match(result.stdout, new RegExp(`^usage: npm run ${name} -- \\[options\\]\n`));
    t.match(result.stdout, /\n {2}-h, --help +show this help\n/);
    t.match(result.stdout, /\nexit codes:\n {2}0 {2}success\n {2}1 {2}.+\n {2}2 {2}usage error/);
    t.equal(result.stderr, '');
  }
});

t.test('every command refuses an unknown option in one line, with exit code 2', async (t) => {
  const cwd = await scratch(t);
  for (const [script, name] of COMMANDS) oneLine(t, await run(script, ['--frobnicate'], { cwd }), 2, `${name}: unknown option --frobnicate (see --help)`);
});

t.test('the shared option parser', async (t) => {
  const spec = defineCommand({
    name: 'demo',
    summary: 'A demonstration.',
    options: {
      file: { type: 'string', placeholder: 'FILE', description: 'input', required: true },
      count: { type: 'string', placeholder: 'N', description: 'how many', default: '3' },
      dry: { type: 'boolean', description: 'change nothing' },
    },
    failure: 'it failed',
  });
  t.same(parseCommand(spec, ['--file', 'x']), { file: 'x', count: '3', dry: false });
  t.same(parseCommand(spec, ['--file=x', '--count', '5', '--dry']), { file: 'x', count: '5', dry: true });
  t.throws(() => parseCommand(spec, []), { message: '--file is required', exitCode: 2 });
  t.throws(() => parseCommand(spec, ['--file', '']), { message: '--file is required' });
  t.throws(() => parseCommand(spec, ['--file', 'x', 'extra']), { message: 'unexpected argument extra: every value follows its option' });
  t.throws(() => parseCommand(spec, ['--file', 'x', '--dry=yes']), { message: '--dry takes no value' });
  t.throws(() => parseCommand(spec, ['--file']), { message: '--file needs a value' });
  t.throws(() => parseCommand(spec, ['--file', 'x', '-q']), { message: 'unknown option -q' });

  const help = helpText(spec);
  t.match(help, /\n {2}--file FILE {2}input \(required\)\n {2}--count N {4}how many \(default 3\)\n {2}--dry {8}change nothing\n/);
  t.notMatch(help, /\n {2}3 /, 'no "unreachable" exit code for a command without a server');

  t.equal(integerOption('count', '12', 1), 12);
  t.throws(() => integerOption('count', '0', 1), { message: '--count must be an integer of at least 1, got "0"' });
  t.throws(() => integerOption('count', '1.5', 1, 9), { message: '--count must be an integer from 1 to 9, got "1.5"' });
  t.equal(httpUrl('--url', 'http://coach:8080/'), 'http://coach:8080', 'a trailing slash is dropped');
  t.throws(() => httpUrl('COACH_URL', 'coach:8080'), { message: 'COACH_URL must be an http:// or https:// URL, got "coach:8080"', exitCode: 2 });
});

t.test('connection problems name the address tried, also when several were', async (t) => {
  const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
  t.equal(connectionProblem(new TypeError('fetch failed', { cause: refused('127.0.0.1:9999') })), 'connect ECONNREFUSED 127.0.0.1:9999');
  const both = Object.assign(new AggregateError([refused('::1:9999'), refused('127.0.0.1:9999')]), { code: 'ECONNREFUSED' });
  t.equal(connectionProblem(new TypeError('fetch failed', { cause: both })), 'connect ECONNREFUSED ::1:9999; connect ECONNREFUSED 127.0.0.1:9999');
  t.equal(connectionProblem(Object.assign(new Error('getaddrinfo ENOTFOUND coach'), { code: 'ENOTFOUND' })), 'getaddrinfo ENOTFOUND coach');
});
