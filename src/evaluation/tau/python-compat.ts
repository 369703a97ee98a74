/**
 * The few Python behaviours the τ-bench tools' observable results depend on. The upstream tools are
 * Python: balances go through `round(x, 2)`, results through `json.dumps`, `calculate` answers
 * `str(float)`, failures are the texts of Python exceptions. Doubles are the same IEEE values in
 * both languages, so doing the same operations in the same order and formatting them as Python
 * does gives the same bytes.
 *
 * One thing cannot be reproduced: JSON.parse does not keep Python's int/float distinction, so an
 * integer-valued float (a price of 100.0) prints as an int here (100). The airline database holds
 * only ints; in retail it only changes how such a number is printed.
 */

type PyDict = Record<string, unknown>;

/** `round(x, ndigits)`: the decimal nearest the exact binary value of x, ties to even. */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return x;
  // toFixed(100) is the exact decimal expansion of any double above 2^-47; smaller ones are far below the digits kept.
  const exact = Math.abs(x).toFixed(100);
  const point = exact.indexOf('.');
  const kept = exact.slice(0, point) + exact.slice(point + 1, point + 1 + ndigits);
  const rest = exact.slice(point + 1 + ndigits);
  const half = '5'.padEnd(rest.length, '0');
  let digits = BigInt(kept);
  if (rest > half || (rest === half && digits % 2n === 1n)) digits += 1n;
  const text = digits.toString().padStart(ndigits + 1, '0');
  const decimal = ndigits === 0 ? text : `${text.slice(0, -ndigits)}.${text.slice(-ndigits)}`;
  const rounded = Number(decimal);
  return x < 0 || Object.is(x, -0) ? -rounded : rounded;
}

/** `repr(float)`: the shortest digits that round-trip (as JavaScript finds them), laid out as Python does. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa = '', exponentText = '0'] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace(/[-.]/g, '');
  if (exponent < -4 || exponent >= 16) {
    const significand = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${significand}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
}

function pyNumber(x: number): string {
  return Number.isSafeInteger(x) ? String(x) : pyFloatRepr(x);
}

const JSON_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** A string as `json.dumps` writes it by default (ensure_ascii): everything outside space..~ escaped. */
function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    if (JSON_ESCAPES[ch] !== undefined) out += JSON_ESCAPES[ch];
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** `json.dumps(value)` with its default separators `, ` and `: `, keys in the object's order. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return pyNumber(value);
  }
  if (typeof value === 'string') return pyJsonString(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${pyJsonString(k)}: ${pyJsonDumps(v)}`).join(', ')}}`;
}

/** `repr(str)`: single quotes unless the text holds a single quote and no double quote. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

const SURROGATE = /[\ud800-\udfff]/;

/** Python orders strings by code point; JavaScript's default sort by UTF-16 unit differs above U+FFFF. */
export function byCodePoint(a: string, b: string): number {
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * An exception the upstream tool would raise. The environment answers the agent with
 * `Error: <message>`, as upstream answers `f"Error: {e}"`, after whatever the tool had already
 * changed, as upstream leaves it.
 */
export class PythonException extends Error {}

function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'dict';
}

/** `key in d`: False for a key of another type, TypeError for a key Python cannot hash. */
export function pyIn(dict: unknown, key: unknown): boolean {
  if (typeof key === 'object' && key !== null) throw new PythonException(`unhashable type: '${pyTypeName(key)}'`);
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) throw new PythonException(`argument of type '${pyTypeName(dict)}' is not iterable`);
  return typeof key === 'string' && Object.hasOwn(dict, key);
}

/** `d[key]` on a dict: a missing key raises KeyError, whose message is the key's repr. */
export function pyKey<T = any>(dict: unknown, key: unknown): T {
  if (!pyIn(dict, key)) throw new PythonException(pyRepr(key));
  return (dict as PyDict)[key as string] as T;
}

/** An argument the tool iterates as a list. */
export function pyList<T = unknown>(value: unknown, name: string): T[] {
  if (!Array.isArray(value)) throw new PythonException(`${name} must be a list, not '${pyTypeName(value)}'`);
  return value as T[];
}

/** An argument the tool does arithmetic or comparisons with. */
export function pyNum(value: unknown, name: string): number {
  if (typeof value !== 'number') throw new PythonException(`${name} must be a number, not '${pyTypeName(value)}'`);
  return value;
}

/** `repr(x)` of a JSON value. */
function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyStrRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(value as PyDict).map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
}

/** `str(x)`, as an f-string formats an argument. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}
