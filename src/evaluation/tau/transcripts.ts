import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ArmName } from '../arms.js';
import { scenarioIdOf, type Domain, type TauTask, type ToolSchema } from './domain-data.js';
import type { TrialResult } from './trial.js';

/** A teacher job takes at most this many transcripts, and this many characters per message. */
const PER_JOB = 200;
const MAX_CONTENT = 20_000;
const CUT = '… [cut]';

export interface TeacherTranscript {
  id: string;
  messages: ChatCompletionMessageParam[];
  tools: ToolSchema[];
  outcome: string;
}

export interface TranscriptJob {
  kind: 'transcripts';
  transcripts: TeacherTranscript[];
}

/**
 * The transcript id carries the task's scenario id before its first dot, so eval:tau can tell the
 * tasks a library was taught on (and refuse them as held-out tasks) from the entries' provenance.
 */
export const transcriptId = (scenarioId: string, arm: ArmName, trial: number) => `${scenarioId}.${arm}.t${trial}`;
export const scenarioOfSource = (sourceId: string) => sourceId.split('.')[0]!;

const cut = (text: string) => (text.length <= MAX_CONTENT ? text : text.slice(0, MAX_CONTENT - CUT.length) + CUT);

function outcome(result: TrialResult): string {
  const missing = Object.entries(result.outputs).filter(([, said]) => !said).map(([output]) => `"${output}"`);
  const database = result.data_matches ? 'the database ended as the task required' : 'the database did not end as the task required';
  const said = missing.length === 0 ? '' : `; required outputs not said: ${missing.join(', ')}`;
  const ended = { user_stop: 'the customer ended it', transfer: 'the agent transferred to a human', max_steps: 'it ran out of steps' }[result.ended];
  return `τ-bench reward ${result.reward}: ${database}${said}; ${ended}`;
}

/**
 * A trial as a teacher job's transcript: the conversation without the arm's system prompt (the
 * library's policy is the job's), the agent's tool calls and the tools' results, the tools it had,
 * and how it ended by τ-bench's reward.
 */
export function toTranscript(domain: Domain, task: TauTask, arm: ArmName, result: TrialResult, tools: ToolSchema[]): TeacherTranscript {
  const messages = result.messages
    .filter((m) => m.role !== 'system')
    .map((m) => (typeof m.content === 'string' ? ({ ...m, content: cut(m.content) } as ChatCompletionMessageParam) : m));
  return { id: transcriptId(scenarioIdOf(domain, task), arm, result.trial), messages, tools, outcome: outcome(result) };
}

/** Each arm's trials, by task and trial, as teacher transcript jobs of at most 200 transcripts. */
export function transcriptJobs(domain: Domain, tasks: TauTask[], tools: ToolSchema[], runs: { arm: ArmName; results: TrialResult[] }[]): { arm: ArmName; part: number; job: TranscriptJob }[] {
  const byId = new Map(tasks.map((task) => [task.task_id, task]));
  return runs.flatMap(({ arm, results }) => {
    const transcripts = [...results]
      .sort((a, b) => a.task_id - b.task_id || a.trial - b.trial)
      .map((r) => toTranscript(domain, byId.get(r.task_id)!, arm, r, tools));
    return Array.from({ length: Math.ceil(transcripts.length / PER_JOB) }, (_, i) => ({
      arm,
      part: i + 1,
      job: { kind: 'transcripts' as const, transcripts: transcripts.slice(i * PER_JOB, (i + 1) * PER_JOB) },
    }));
  });
}
