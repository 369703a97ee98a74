import type { ChatMessage } from '../messages.js';
import type { ProcedureStep } from '../library/types.js';
import { toolEvents } from './tool-state.js';

/** A step of a procedure one of the candidates belongs to, as the selection facts read it. */
export interface ProcedureStepRow extends ProcedureStep {
  id: string;
  /** How many of the step's examples were taken in the conversation's tool state (toolCallState). */
  state_examples: number;
}

/**
 * The conversation's tool state as examples record it (migrations/019_example_states.sql and
 * 021_state_before_any_call.sql): the names of the calls made so far, sorted, joined by commas, a
 * name once per call; '' before any.
 */
export function toolCallState(messages: readonly ChatMessage[]): string {
  // Code-unit order, as the migration's COLLATE "C" sorts (tool names are ASCII).
  return toolEvents(messages)
    .map((event) => event.name)
    .sort()
    .join(',');
}

/**
 * Added to the relevance of a procedure's next step when the search found it. Which step of a
 * procedure comes next is state the conversation's words barely tell (the customer says the same
 * things before and after the identity check); the calls made so far tell it. Small, like a
 * priority step: the next step wins among its procedure's near-equal steps, not over a clearly
 * better match. On ABCD's state-level benchmark (dev 5-fold CV, n = 3,107 action points), by the
 * documented order alone it moved acc@1 from .698 to .741 (.03, .05, .08 alike); with the next step
 * learned from the examples, .05 / .08 / .10 / .12 gave acc@1 .778 / .783 / .781 / .781 and
 * recall@5 .953 / .958 / .960 / .961.
 */
export const NEXT_STEP_BONUS = 0.1;

export interface NextStep {
  step: ProcedureStepRow;
  /** examples: the step the procedure's examples took most often in this tool state; order: the documented order. */
  by: 'examples' | 'order';
}

/**
 * The next step of each procedure, keyed by procedure name. Where the procedure's examples were
 * taken in the conversation's tool state, the step they took most often there (the earlier one on
 * a tie): agents leave the documented order, and the examples recorded where. Otherwise the first
 * step, in order, that a tool carries out and that is not done. The n-th step carried out by a
 * tool is done once the conversation has called that tool n times, so a procedure that verifies
 * twice needs two calls. Steps without a tool say nothing of progress: by order they are never
 * next and never hold a procedure back.
 */
export function nextSteps(steps: readonly ProcedureStepRow[], messages: readonly ChatMessage[]): Map<string, NextStep> {
  const ordered = [...steps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.step - b.step || (a.id < b.id ? -1 : 1)));
  const next = new Map<string, NextStep>();
  for (const step of ordered) {
    const best = next.get(step.name);
    if (step.state_examples > (best?.step.state_examples ?? 0)) next.set(step.name, { step, by: 'examples' });
  }
  const calls = new Map<string, number>();
  for (const event of toolEvents(messages)) calls.set(event.name, (calls.get(event.name) ?? 0) + 1);
  const withTool = new Map<string, number>();
  for (const step of ordered) {
    if (step.tool === null || next.has(step.name)) continue;
    const key = `${step.name}\u0000${step.tool}`;
    const nth = (withTool.get(key) ?? 0) + 1;
    withTool.set(key, nth);
    if ((calls.get(step.tool) ?? 0) < nth) next.set(step.name, { step, by: 'order' });
  }
  return next;
}
