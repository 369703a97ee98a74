import { pyFloatRepr, pyRound } from './python-compat.js';

/**
 * τ-bench's `calculate` tool: upstream evaluates the expression with Python's `eval` (after
 * allowing only digits, + - * / ( ) . and spaces) and answers `str(round(float(result), 2))`.
 * This is a parser for exactly that subset of Python, with Python's number semantics: ints are
 * exact (BigInt) until they meet a float, `/` is true division, `//` floors, `**` binds tighter
 * than a unary minus on its left. Nothing is ever evaluated as code.
 */
export function calculate(expression: string): string {
  if (![...expression].every((ch) => '0123456789+-*/(). '.includes(ch))) return 'Error: invalid characters in expression';
  try {
    const result = new Parser(expression).parse();
    return pyFloatRepr(pyRound(toFloat(result), 2));
  } catch (err) {
    if (err instanceof PythonError) return `Error: ${err.message}`;
    throw err;
  }
}

/** What Python would raise; its message is what the agent reads. */
class PythonError extends Error {}

type Value = bigint | number;

const syntaxError = (what = 'invalid syntax', line = 1) => new PythonError(`${what} (<string>, line ${line})`);

function toFloat(v: Value): number {
  if (typeof v === 'number') return v;
  const f = Number(v);
  if (!Number.isFinite(f)) throw new PythonError('int too large to convert to float');
  return f;
}

/** Python's float floor division, which corrects the rounding of a plain floor(a / b). */
function floatFloorDiv(a: number, b: number): number {
  if (b === 0) throw new PythonError('float floor division by zero');
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return Object.is(a / b, -0) || a / b < 0 ? -0 : 0;
  const floor = Math.floor(div);
  return div - floor > 0.5 ? floor + 1 : floor;
}

/** Above this many result bits Python would grind on and then fail the float conversion anyway. */
const MAX_INT_BITS = 1_000_000n;

function power(base: Value, exponent: Value): Value {
  if (typeof base === 'bigint' && typeof exponent === 'bigint' && exponent >= 0n) {
    const bits = BigInt(base < 0n ? (-base).toString(2).length : base.toString(2).length);
    if (base !== 0n && base !== 1n && base !== -1n && bits * exponent > MAX_INT_BITS) throw new PythonError('int too large to convert to float');
    return base ** exponent;
  }
  const x = toFloat(base);
  const y = toFloat(exponent);
  if (x === 0 && y < 0) throw new PythonError('0.0 cannot be raised to a negative power');
  if (x < 0 && !Number.isInteger(y)) throw new PythonError("float() argument must be a string or a real number, not 'complex'");
  const result = x ** y;
  if (!Number.isFinite(result)) throw new PythonError("(34, 'Numerical result out of range')");
  return result;
}

function arithmetic(op: string, a: Value, b: Value): Value {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        if (b === 0n) throw new PythonError('division by zero');
        return Number(a) / Number(b);
      case '//': {
        if (b === 0n) throw new PythonError('integer division or modulo by zero');
        const q = a / b;
        return (a % b !== 0n) && (a < 0n) !== (b < 0n) ? q - 1n : q;
      }
    }
  }
  const x = toFloat(a);
  const y = toFloat(b);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      if (y === 0) throw new PythonError('float division by zero');
      return x / y;
    case '//':
      return floatFloorDiv(x, y);
  }
  throw new Error(`unknown operator ${op}`);
}

type Token = { kind: 'number'; text: string } | { kind: 'op'; text: string } | { kind: 'end' };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === ' ') {
      i++;
      continue;
    }
    const number = /^(\d+\.?\d*|\.\d+)/.exec(source.slice(i));
    if (number !== null) {
      const text = number[0];
      // Python refuses 007 (octal ambiguity) but accepts 000 and 007.5.
      if (/^0+[1-9]\d*$/.test(text)) throw syntaxError('leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers');
      tokens.push({ kind: 'number', text });
      i += text.length;
      continue;
    }
    const op = ['**', '//', '+', '-', '*', '/', '(', ')'].find((o) => source.startsWith(o, i));
    if (op === undefined) throw syntaxError();
    tokens.push({ kind: 'op', text: op });
    i += op.length;
  }
  tokens.push({ kind: 'end' });
  return tokens;
}

class Parser {
  private readonly tokens: Token[];
  private at = 0;
  private readonly blank: boolean;

  constructor(source: string) {
    this.tokens = tokenize(source);
    this.blank = source.trim() === '';
  }

  parse(): Value {
    if (this.blank) throw syntaxError('invalid syntax', 0);
    const value = this.sum();
    const next = this.peek();
    if (next.kind === 'op' && next.text === ')') throw syntaxError("unmatched ')'");
    if (next.kind !== 'end') throw syntaxError();
    return value;
  }

  private peek(): Token {
    return this.tokens[this.at]!;
  }

  private accept(...ops: string[]): string | undefined {
    const token = this.peek();
    if (token.kind === 'op' && ops.includes(token.text)) {
      this.at++;
      return token.text;
    }
    return undefined;
  }

  private sum(): Value {
    let value = this.product();
    for (let op = this.accept('+', '-'); op !== undefined; op = this.accept('+', '-')) value = arithmetic(op, value, this.product());
    return value;
  }

  private product(): Value {
    let value = this.unary();
    for (let op = this.accept('*', '/', '//'); op !== undefined; op = this.accept('*', '/', '//')) value = arithmetic(op, value, this.unary());
    return value;
  }

  private unary(): Value {
    const op = this.accept('+', '-');
    if (op === undefined) return this.power();
    const value = this.unary();
    if (op === '+') return value;
    return -value;
  }

  private power(): Value {
    const base = this.atom();
    // The exponent may carry its own sign: 2 ** -1.
    return this.accept('**') === undefined ? base : power(base, this.unary());
  }

  private atom(): Value {
    const token = this.peek();
    if (token.kind === 'number') {
      this.at++;
      return /^\d+$/.test(token.text) ? BigInt(token.text) : Number(token.text);
    }
    if (this.accept('(') !== undefined) {
      if (this.peek().kind === 'end') throw syntaxError("'(' was never closed");
      const value = this.sum();
      if (this.accept(')') === undefined) throw this.peek().kind === 'end' ? syntaxError("'(' was never closed") : syntaxError();
      return value;
    }
    throw syntaxError();
  }
}
