import { ConfigError, integer, onOff, text, type Env } from './env.js';

/** What traces keep of the conversations they answered, and for how long. */
export interface TraceConfig {
  /** Whether traces keep the messages at all (TRACE_MESSAGES). */
  keepMessages: boolean;
  /** Messages older than this are erased from traces; the rest of the trace stays. */
  retentionDays: number;
  /** Applied to every message text before storage, each match replaced by `[label]`; empty: nothing is redacted. */
  redactions: { label: string; pattern: RegExp }[];
}

/**
 * E-mail addresses; card numbers (13–19 digits, spaces or dashes between groups); phone numbers
 * (an optional +country code, then 7 or more digits in groups). Cards go first: their digits
 * would otherwise read as a phone number.
 */
const DEFAULT_REDACTIONS: Record<string, string> = {
  email: '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}',
  card: '\\b(?:\\d[ -]?){12,18}\\d\\b',
  phone: '(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{2,4}(?:[ .-]?\\d{2,4}){2,4}\\b',
};

function redactions(env: Env): TraceConfig['redactions'] {
  if (!onOff(env, 'TRACE_REDACT', true)) return [];
  const raw = text(env, 'TRACE_REDACT_PATTERNS');
  let patterns: unknown = DEFAULT_REDACTIONS;
  if (raw !== undefined) {
    try {
      patterns = JSON.parse(raw);
    } catch {
      throw new ConfigError('TRACE_REDACT_PATTERNS', 'must be a JSON object of {"label": "regular expression"}');
    }
  }
  if (typeof patterns !== 'object' || patterns === null || Array.isArray(patterns)) {
    throw new ConfigError('TRACE_REDACT_PATTERNS', 'must be a JSON object of {"label": "regular expression"}');
  }
  return Object.entries(patterns).map(([label, source]) => {
    if (typeof source !== 'string') throw new ConfigError('TRACE_REDACT_PATTERNS', `"${label}" must be a regular expression in a string`);
    try {
      return { label, pattern: new RegExp(source, 'g') };
    } catch (err) {
      throw new ConfigError('TRACE_REDACT_PATTERNS', `"${label}" is not a valid regular expression: ${(err as Error).message}`);
    }
  });
}

export function loadTraceConfig(env: Env): TraceConfig {
  return {
    keepMessages: onOff(env, 'TRACE_MESSAGES', true),
    retentionDays: integer(env, 'TRACE_RETENTION_DAYS', 30, 1, 36_500),
    redactions: redactions(env),
  };
}
