import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { assertUniqueIds, parseScenarioJsonl, ScenarioFormatError, type EvalScenario } from './scenarios.js';

interface TauTask {
  task_id?: number;
  user_id?: string;
  domain?: string;
  upstream_split?: string;
  instruction?: string;
  actions?: { name: string; kwargs?: Record<string, unknown> }[];
}

interface AbcdTurn {
  speaker: 'agent' | 'customer' | 'action';
  text: string;
  button?: string;
}

interface AbcdConversation {
  uid?: string;
  intent?: string;
  guideline?: { flow?: string; subflow?: string };
  kb_actions?: string[];
  exclude_recommended?: boolean;
  turns?: AbcdTurn[];
}

/** How one gold tool call reads to the judge: `cancel_pending_order(order_id=#W1, reason=no longer needed)`. */
function goldAction(action: { name: string; kwargs?: Record<string, unknown> }): string {
  const args = Object.entries(action.kwargs ?? {}).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${action.name}(${args.join(', ')})`;
}

/**
 * τ-bench tasks: the instruction is both the goal and what the user knows (it says how to behave,
 * too), and the gold tool calls are what a policy-following agent ends up doing. Ids are stable
 * (`tau-<domain>-<split>-<task id>`) so a library taught on the same tasks records the same ids.
 */
export function fromTauTasks(raw: unknown, source: string): EvalScenario[] {
  const tasks = (Array.isArray(raw) ? raw : (raw as { tasks?: unknown })?.tasks) as TauTask[] | undefined;
  if (!Array.isArray(tasks)) throw new ScenarioFormatError(source, 'is not a τ-bench task file (an array, or an object with "tasks")');
  return assertUniqueIds(
    tasks.map((task, i) => {
      if (typeof task.instruction !== 'string') throw new ScenarioFormatError(`${source} task ${i}`, 'has no "instruction"');
      const facts = (task.actions ?? []).map((a) => `A correct agent ends up doing: ${goldAction(a)}`);
      if ((task.actions ?? []).length === 0) facts.push('No write action is allowed for this request: the correct outcome changes nothing.');
      return {
        id: `tau-${task.domain ?? 'unknown'}-${task.upstream_split ?? 'task'}-${task.task_id ?? i}`,
        hidden_goal: task.instruction,
        known_info: task.instruction,
        policy_facts: facts,
      };
    }),
    source,
  );
}

const readable = (label: string) => label.replace(/[_-]+/g, ' ');

/**
 * ABCD conversations: the intent is the goal, the customer's own turns hold what they know (name,
 * email, order id), the first customer turn opens, and the agent-dashboard buttons the guidelines
 * require are the policy facts. Records ABCD marks for exclusion are left out.
 */
export function fromAbcdConversations(lines: unknown[], source: string): EvalScenario[] {
  const scenarios = (lines as AbcdConversation[])
    .filter((c) => c.exclude_recommended !== true)
    .map((c, i) => {
      if (typeof c.uid !== 'string' || typeof c.intent !== 'string' || !Array.isArray(c.turns)) {
        throw new ScenarioFormatError(`${source} record ${i}`, 'is not an ABCD conversation (uid, intent, turns)');
      }
      const customer = c.turns.filter((t) => t.speaker === 'customer').map((t) => t.text);
      const subflow = c.guideline?.subflow ?? readable(c.intent);
      return {
        id: c.uid,
        hidden_goal: `You contacted support about: ${subflow} (${c.guideline?.flow ?? 'customer service'}). Get it resolved.`,
        known_info: customer.join('\n'),
        policy_facts: [
          `The guidelines for "${subflow}" apply.`,
          ...(c.kb_actions ?? []).map((button, step) => `Required step ${step + 1}: ${readable(button)}`),
        ],
        opening: customer[0],
      };
    });
  return assertUniqueIds(scenarios, source);
}

function jsonLines(text: string, source: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new ScenarioFormatError(`${source} line ${i + 1}`, 'is not valid JSON');
      }
    });
}

/**
 * Scenarios from `tau:PATH`, `abcd:PATH` or a plain PATH, whose shape decides: a JSON document is
 * τ-bench tasks; JSONL records with `turns` and `intent` are ABCD; other JSONL is the native format.
 */
export async function loadScenarios(spec: string): Promise<EvalScenario[]> {
  const match = /^(tau|abcd|jsonl):(.+)$/.exec(spec);
  const kind = match?.[1];
  const file = path.resolve(match?.[2] ?? spec);
  const text = await readFile(file, 'utf8');
  if (kind === 'tau') return fromTauTasks(JSON.parse(text), file);
  if (kind === 'abcd') return fromAbcdConversations(jsonLines(text, file), file);
  if (kind === 'jsonl') return parseScenarioJsonl(text, file);
  const trimmed = text.trimStart();
  const wholeJson = (() => {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return undefined;
    }
  })();
  // A one-line JSONL file is also a whole JSON document: only arrays and task files count as τ-bench.
  if (wholeJson !== undefined && (Array.isArray(wholeJson) || Array.isArray((wholeJson as { tasks?: unknown }).tasks))) return fromTauTasks(wholeJson, file);
  const records = jsonLines(text, file);
  const first = records[0] as Record<string, unknown> | undefined;
  if (first !== undefined && Array.isArray(first.turns) && typeof first.intent === 'string') return fromAbcdConversations(records, file);
  return parseScenarioJsonl(text, file);
}
