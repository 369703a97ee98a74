import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../errors.js';

/**
 * Far deeper than any Coach body (teach transcripts are 5 levels), far shallower than what overflows
 * the stack of the recursive code a value passes through (serialisers, Postgres' jsonb parser).
 */
const MAX_JSON_DEPTH = 64;

const [QUOTE, BACKSLASH, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET] = ['"', '\\', '{', '}', '[', ']'].map((c) => c.charCodeAt(0));

/** Whether JSON text nests objects and arrays deeper than MAX_JSON_DEPTH, found without parsing it. */
export function jsonTooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

export const TOO_DEEP = `nests deeper than ${MAX_JSON_DEPTH} levels`;

// Postgres stores neither: NUL ends a C string, and a lone surrogate is not UTF-8 (jsonb rejects its
// escape; text columns would silently get U+FFFD).
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const NUL = /\u0000/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unstorable(s: string): string | null {
  if (NUL.test(s)) return 'U+0000 (NUL)';
  if (LONE_SURROGATE.test(s)) return 'an unpaired UTF-16 surrogate';
  return null;
}

/** The first string (or object key) in a request part that Postgres cannot store, with its path. */
function findBadText(value: unknown, path: string): { field: string; message: string } | null {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      const what = unstorable(v);
      if (what !== null) return { field: at, message: `must not contain ${what}` };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${at}.${i}`]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (const [key] of entries) {
        const what = unstorable(key);
        if (what !== null) return { field: at, message: `has a key containing ${what}` };
      }
      for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], `${at}.${entries[i]![0]}`]);
    }
  }
  return null;
}

/**
 * Input no route can store, rejected for every route before validation: JSON nested too deep, and
 * text with NUL or lone surrogates anywhere in the body, query string or path parameters.
 */
export function installInputGuards(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body: string, done) => {
    if (jsonTooDeep(body)) done(ValidationError.at('body', TOO_DEEP), undefined);
    else void parseJson(request, body, done);
  });
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['params', request.params], ['query', request.query], ['body', request.body]] as const) {
      const bad = findBadText(value, part);
      if (bad !== null) throw ValidationError.at(bad.field, bad.message);
    }
  });
}
