import type { Scenario } from '../teacher/types.js';

/** One customer situation to evaluate on; what the customer knows and wants, and what policy implies. */
export interface EvalScenario {
  id: string;
  /** What the customer wants; the agent only learns it from the conversation. */
  hidden_goal: string;
  /** Details the customer can give, but only when asked (names, order numbers, dates). */
  known_info: string;
  persona?: string;
  /** What a correct agent must (not) do here under the policy; shown to the judge, never to the customer. */
  policy_facts: string[];
  /** The customer's first message, when the source has one; otherwise the simulator writes it. */
  opening?: string;
}

export class ScenarioFormatError extends Error {
  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.name = 'ScenarioFormatError';
  }
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** Checks one record of the scenario JSONL format. */
export function parseScenario(value: unknown, where: string): EvalScenario {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ScenarioFormatError(where, 'is not a JSON object');
  const record = value as Record<string, unknown>;
  for (const field of ['id', 'hidden_goal', 'known_info'] as const) {
    if (!isText(record[field])) throw new ScenarioFormatError(where, `"${field}" must be a non-empty string`);
  }
  for (const field of ['persona', 'opening'] as const) {
    if (record[field] !== undefined && !isText(record[field])) throw new ScenarioFormatError(where, `"${field}" must be a non-empty string when given`);
  }
  const facts = record.policy_facts ?? [];
  if (!Array.isArray(facts) || !facts.every(isText)) throw new ScenarioFormatError(where, '"policy_facts" must be an array of strings');
  return {
    id: record.id as string,
    hidden_goal: record.hidden_goal as string,
    known_info: record.known_info as string,
    persona: record.persona as string | undefined,
    policy_facts: facts as string[],
    opening: record.opening as string | undefined,
  };
}

export function parseScenarioJsonl(text: string, source: string): EvalScenario[] {
  const scenarios: EvalScenario[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ScenarioFormatError(`${source} line ${i + 1}`, 'is not valid JSON');
    }
    scenarios.push(parseScenario(value, `${source} line ${i + 1}`));
  });
  return assertUniqueIds(scenarios, source);
}

export function assertUniqueIds(scenarios: EvalScenario[], source: string): EvalScenario[] {
  const seen = new Set<string>();
  for (const s of scenarios) {
    if (seen.has(s.id)) throw new ScenarioFormatError(source, `scenario id "${s.id}" occurs more than once`);
    seen.add(s.id);
  }
  if (scenarios.length === 0) throw new ScenarioFormatError(source, 'holds no scenarios');
  return scenarios;
}

/**
 * The teacher's simulator takes a situation and a goal: the known information is the situation,
 * so the customer can answer questions about it, and the customer prompt forbids volunteering it.
 */
export function toSimulatorScenario(scenario: EvalScenario): Scenario {
  return {
    id: scenario.id,
    description: `Things you know and can tell the agent when asked:\n${scenario.known_info}`,
    customer_goal: scenario.hidden_goal,
    persona: scenario.persona,
    opening: scenario.opening,
  };
}
