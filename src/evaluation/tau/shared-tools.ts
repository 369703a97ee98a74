import { calculate } from './calculator.js';
import { PythonException } from './python-compat.js';
import type { ToolImplementations } from './tool-types.js';

/** The tools both domains have, answering what upstream answers. */
export const SHARED_TOOLS: ToolImplementations = {
  calculate(_db, { expression }) {
    if (typeof expression !== 'string') throw new PythonException("'expression' must be a string");
    return calculate(expression);
  },
  // The thought stays in the conversation; the database is untouched.
  think: () => '',
  transfer_to_human_agents: () => 'Transfer successful',
};

/** Tools that end the conversation when called (upstream's `terminate_tools`); the gold replay skips them. */
export const TERMINATING_TOOLS = new Set(['transfer_to_human_agents']);
