/**
 * The sft arm's training data: the teacher's conversations on the scenarios that built a library,
 * as OpenAI fine-tuning JSONL (`{"messages": [...], "tools"?: [...]}` per line). Fine-tune the same
 * student on it with any provider, serve it, and pass it to eval:dialogue as --sft-base-url/--sft-model.
 *
 *   npm run export:sft -- --library ID --out sft.jsonl                      # what the teacher jobs stored
 *   npm run export:sft -- --scenarios scenarios.jsonl --library ID --out sft.jsonl   # the teacher plays them
 *   npm run export:sft -- --tau-tasks tasks.json --domain retail --out sft.jsonl     # with τ-bench's tools
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { coachApiKey, defineCommand, httpUrl, integerOption, runCommand, UsageError } from '../src/cli.js';
import { loadConfig, type ModelEndpointConfig } from '../src/config.js';
import { loadEvaluationConfig } from '../src/evaluation/evaluation-config.js';
import { ModelNotConfiguredError } from '../src/errors.js';
import { CoachClient } from '../src/evaluation/coach-client.js';
import { libraryProvenances } from '../src/evaluation/library-build.js';
import { loadScenarios } from '../src/evaluation/scenario-sources.js';
import { ScenarioFormatError } from '../src/evaluation/scenarios.js';
import { SeededChatModel } from '../src/evaluation/seeded-model.js';
import { selectScenarios } from '../src/evaluation/setup.js';
import { fromEvidence, fromScenarios, fromTauTasks, type ExportResult } from '../src/evaluation/sft-export.js';
import { sftFileProblems } from '../src/evaluation/sft-format.js';
import { trainingSourceIds } from '../src/evaluation/split.js';
import { OpenAIAgent } from '../src/evaluation/tau/agent-model.js';
import { tauDataDirOf } from '../src/evaluation/tau/cli-options.js';
import { DOMAINS, loadDomain, loadTasks, TauDataError, type Domain } from '../src/evaluation/tau/domain-data.js';
import { loadUserPrompt } from '../src/evaluation/tau/simulated-user.js';
import { DEFAULT_MAX_STEPS } from '../src/evaluation/tau/trial.js';
import { loadPrompts } from '../src/teacher/prompts.js';

const EXPORT_SFT = defineCommand({
  name: 'export:sft',
  summary:
    "Writes the teacher's conversations as OpenAI fine-tuning JSONL, to fine-tune the student on elsewhere and evaluate as the sft arm. " +
    "From the teacher jobs' evidence in a running Coach (--library), or by having the teacher play scenarios (--scenarios) or τ-bench tasks with their tools (--tau-tasks).",
  options: {
    out: { type: 'string', placeholder: 'FILE', description: 'the JSONL file to write (required, except with --check)' },
    check: { type: 'string', placeholder: 'FILE', description: 'only check a JSONL file against the format (one written here, then filtered or edited), and list its problems' },
    library: { type: 'string', placeholder: 'ID', description: "the library whose teacher jobs' evidence is exported; with --scenarios, where the policy is read" },
    jobs: { type: 'string', placeholder: 'LIST', description: 'with --library alone: only the evidence of these teacher jobs, comma-separated ids' },
    scenarios: { type: 'string', placeholder: '[tau:|abcd:|jsonl:]FILE', description: 'the teacher plays these scenarios as the agent against the customer simulator' },
    policy: { type: 'string', placeholder: 'FILE', description: 'with --scenarios: the policy text, instead of reading it from --library' },
    'scenario-ids': { type: 'string', placeholder: 'LIST', description: 'with --scenarios: only these ids' },
    limit: { type: 'string', placeholder: 'N', description: 'with --scenarios or --tau-tasks: only the first N' },
    seeds: { type: 'string', placeholder: 'N', description: 'with --scenarios: conversations per scenario', default: '1' },
    'max-turns': { type: 'string', placeholder: 'N', description: 'with --scenarios: agent turns per conversation', default: '10' },
    'tau-tasks': { type: 'string', placeholder: 'FILE', description: 'the teacher plays these τ-bench tasks in their environment, with tools' },
    domain: { type: 'string', placeholder: 'NAME', description: `with --tau-tasks: ${DOMAINS.join(' or ')}` },
    data: { type: 'string', placeholder: 'DIR', description: "with --tau-tasks: the tau_bench data folder (default: above the task file's derived/, else ../shared/data/tau_bench)" },
    'task-ids': { type: 'string', placeholder: 'LIST', description: 'with --tau-tasks: only these task ids' },
    trials: { type: 'string', placeholder: 'N', description: 'with --tau-tasks: trials per task', default: '1' },
    'max-steps': { type: 'string', placeholder: 'N', description: 'with --tau-tasks: agent steps per trial', default: String(DEFAULT_MAX_STEPS) },
    'passed-only': { type: 'boolean', description: 'with --tau-tasks: only trials that earned reward 1' },
    concurrency: { type: 'string', placeholder: 'N', description: 'conversations played at once', default: '2' },
    url: { type: 'string', placeholder: 'URL', description: 'the running Coach (default COACH_URL, else http://127.0.0.1:$PORT)' },
    key: { type: 'string', placeholder: 'KEY', description: 'API key (admin or teacher to read evidence); prefer COACH_API_KEY' },
  },
  notes:
    'Models: TEACHER_* plays the agent; CUSTOMER_* (else the teacher) plays the customer or the τ-bench user.\n' +
    'Coach: COACH_URL, COACH_API_KEY. Each line is checked against the format before it is written; what fails is listed and left out.',
  failure: 'some conversations failed or evidence could not be exported (listed on stderr), --check found problems, or Coach refused a request',
  unreachable: 'Coach cannot be reached',
});

const list = (raw: string | undefined) => (raw === undefined ? undefined : [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))]);

/** The customer defaults to the teacher, so a missing customer is a missing teacher. */
function required(value: ModelEndpointConfig | undefined): ModelEndpointConfig {
  if (value === undefined) throw new UsageError(new ModelNotConfiguredError('teacher').message);
  return value;
}

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

await runCommand(EXPORT_SFT, async (values) => {
  if (values.check !== undefined) return check(values.check);
  if (values.out === undefined) throw new UsageError('--out is required');
  const modes = ['library', 'scenarios', 'tau-tasks'].filter((m) => values[m as 'library'] !== undefined);
  const mode = values['tau-tasks'] !== undefined ? 'tau' : values.scenarios !== undefined ? 'scenarios' : values.library !== undefined ? 'evidence' : undefined;
  if (mode === undefined) throw new UsageError('say what to export: --library ID (the evidence), --scenarios FILE or --tau-tasks FILE');
  if (mode === 'tau' && modes.length > 1) throw new UsageError('--tau-tasks goes alone, without --library or --scenarios');
  if (mode === 'scenarios' && (values.library === undefined) === (values.policy === undefined)) throw new UsageError('--scenarios needs the policy: --library ID or --policy FILE, one of them');
  if (values.jobs !== undefined && mode !== 'evidence') throw new UsageError('--jobs selects evidence: it goes with --library alone');
  const concurrency = integerOption('concurrency', values.concurrency, 1, 64);
  const limit = values.limit === undefined ? undefined : integerOption('limit', values.limit, 1);
  const env = process.env;
  const config = loadConfig(env);
  const evaluation = loadEvaluationConfig(env);
  const coach = () => new CoachClient(values.url === undefined ? evaluation.coachUrl : httpUrl('--url', values.url), coachApiKey(EXPORT_SFT.name, values.key) ?? evaluation.coachApiKey);
  const teacher = () => required(config.models.teacher);
  const customer = () => required(config.models.customer);

  let result: ExportResult;
  if (mode === 'evidence') {
    result = await fromEvidence(coach(), values.library!, list(values.jobs));
  } else if (mode === 'scenarios') {
    const loaded = await loadScenarios(values.scenarios!).catch(usage);
    const scenarios = (() => {
      try {
        return selectScenarios(loaded, list(values['scenario-ids']), limit);
      } catch (err) {
        return usage(err);
      }
    })();
    let policy: string;
    if (values.policy !== undefined) {
      policy = await readFile(values.policy, 'utf8');
    } else {
      const client = coach();
      const library = await client.library(values.library!);
      policy = library.policy;
      const built = trainingSourceIds(await libraryProvenances(client, library));
      const outside = scenarios.filter((s) => !built.has(s.id)).length;
      if (outside > 0) console.error(`${EXPORT_SFT.name}: note: ${outside} of ${scenarios.length} scenarios did not build library ${library.id}; the sft arm is then trained on other data than coach`);
    }
    const teacherEndpoint = teacher();
    const customerEndpoint = customer();
    result = await fromScenarios({
      policy,
      scenarios,
      seeds: integerOption('seeds', values.seeds, 1, 1000),
      maxTurns: integerOption('max-turns', values['max-turns'], 1, 100),
      concurrency,
      teacher: (seed) => new SeededChatModel('student', teacherEndpoint, seed),
      customer: (seed) => new SeededChatModel('customer', customerEndpoint, seed),
      customerPrompt: loadPrompts().customer,
      signal: controller.signal,
    });
  } else {
    const domain = values.domain as Domain | undefined;
    if (domain === undefined || !DOMAINS.includes(domain)) throw new UsageError(`--tau-tasks needs --domain ${DOMAINS.join(' or ')}`);
    const tasksFile = path.resolve(values['tau-tasks']!);
    const found = values.data === undefined ? tauDataDirOf(tasksFile) : { dir: path.resolve(values.data) };
    if ('missing' in found) throw new UsageError(`--data is required: ${found.missing}`);
    const data = await loadDomain(found.dir, domain).catch(usage);
    let tasks = await loadTasks(tasksFile, domain).catch(usage);
    const ids = list(values['task-ids'])?.map((id) => {
      if (!/^\d+$/.test(id)) throw new UsageError(`--task-ids must be task ids separated by commas, got "${values['task-ids']}"`);
      return Number(id);
    });
    if (ids !== undefined) {
      const unknown = ids.filter((id) => !tasks.some((task) => task.task_id === id));
      if (unknown.length > 0) throw new UsageError(`--task-ids ${unknown.join(', ')} not in ${tasksFile}`);
      tasks = tasks.filter((task) => ids.includes(task.task_id));
    }
    if (limit !== undefined) tasks = tasks.slice(0, limit);
    const userEndpoint = customer();
    result = await fromTauTasks({
      data,
      tasks,
      trials: integerOption('trials', values.trials, 1, 1000),
      agent: new OpenAIAgent(teacher(), 0),
      userModel: (seed) => new SeededChatModel('customer', userEndpoint, seed),
      userPrompt: loadUserPrompt(),
      maxSteps: integerOption('max-steps', values['max-steps'], 1, 1000),
      concurrency,
      passedOnly: values['passed-only'],
      signal: controller.signal,
    });
  }
  const out = path.resolve(values.out);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, result.examples.map((e) => JSON.stringify(e) + '\n').join(''));
  for (const s of result.skipped) console.error(`${EXPORT_SFT.name}: left out ${s.source}: ${s.problem}`);
  const learnt = result.examples.reduce((n, e) => n + e.messages.filter((m) => m.role === 'assistant' && m.weight !== 0).length, 0);
  const filtered = result.filtered > 0 ? `, ${result.filtered} trial(s) below reward 1 left out` : '';
  console.log(`wrote ${result.examples.length} example(s), ${learnt} teacher message(s) to learn, to ${out}${filtered}`);
  return result.skipped.length > 0 || result.examples.length === 0 ? 1 : 0;
});

async function check(file: string): Promise<number> {
  const problems = sftFileProblems(await readFile(file, 'utf8'));
  for (const p of problems) console.error(`${EXPORT_SFT.name}: ${file} line ${p.line}: ${p.problem}`);
  if (problems.length === 0) console.log(`${file}: every line is a valid example`);
  return problems.length === 0 ? 0 : 1;
}

/** Input files that do not parse are the caller's to fix. */
function usage(err: unknown): never {
  throw err instanceof ScenarioFormatError || err instanceof TauDataError ? new UsageError(err.message) : err;
}
