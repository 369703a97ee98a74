import type { Database } from './domain-data.js';

/**
 * One tool's behaviour: reads and mutates this trial's database, answers the text the agent reads.
 * It may throw a PythonException (or anything else) where upstream's Python would raise.
 */
export type ToolImplementation = (db: Database, args: Record<string, unknown>) => string;

export type ToolImplementations = Record<string, ToolImplementation>;
