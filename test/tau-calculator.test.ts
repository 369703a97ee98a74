import t from 'tap';
import { calculate } from '../src/evaluation/tau/calculator.js';
import { pyFloatRepr, pyJsonDumps, pyRound } from '../src/evaluation/tau/python-compat.js';

t.test('calculate answers str(round(float(eval(expression)), 2)) as Python does', async (t) => {
  const cases: [string, string][] = [
    ['2 + 2', '4.0'],
    ['(136 - (94 + 80)) * 3', '-114.0'],
    ['498 * 1.5', '747.0'],
    ['1/3', '0.33'],
    ['100/3', '33.33'],
    ['2.675', '2.67'], // the double below 2.675
    ['0.125', '0.12'], // an exact tie, to even
    ['0.375', '0.38'],
    ['-2**2', '-4.0'], // ** binds tighter than the unary minus
    ['2**-1', '0.5'],
    ['2**3**2', '512.0'], // right-associative
    ['7//2', '3.0'],
    ['-7//2', '-4.0'], // floor, not truncation
    ['0.1+0.2', '0.3'],
    ['10**20', '1e+20'],
    ['10**15/3', '333333333333333.3'],
    ['  3 ', '3.0'],
    ['-0.0', '-0.0'],
    ['.5 + 5.', '5.5'],
  ];
  for (const [expression, expected] of cases) t.equal(calculate(expression), expected, expression);
});

t.test('calculate refuses what upstream refuses, as an error text, evaluating nothing as code', async (t) => {
  const cases: [string, string][] = [
    ['1e5', 'Error: invalid characters in expression'],
    ['process.exit()', 'Error: invalid characters in expression'],
    ['1/0', 'Error: division by zero'],
    ['1.0/0', 'Error: float division by zero'],
    ['1//0', 'Error: integer division or modulo by zero'],
    ['(1', "Error: '(' was never closed (<string>, line 1)"],
    ['1)', "Error: unmatched ')' (<string>, line 1)"],
    ['1 2', 'Error: invalid syntax (<string>, line 1)'],
    ['', 'Error: invalid syntax (<string>, line 0)'],
    ['007', 'Error: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers (<string>, line 1)'],
    ['10**400', 'Error: int too large to convert to float'],
    ['(-8)**(1/3)', "Error: float() argument must be a string or a real number, not 'complex'"],
  ];
  for (const [expression, expected] of cases) t.equal(calculate(expression), expected, expression);
});

t.test('Python number formatting: round, repr and json.dumps', async (t) => {
  t.equal(pyRound(176.565, 2), 176.56, 'the double below .565');
  t.equal(pyRound(-26.349999999999966, 2), -26.35);
  t.equal(pyRound(2.5, 0), 2);
  t.equal(pyFloatRepr(1e16), '1e+16');
  t.equal(pyFloatRepr(1.5e-5), '1.5e-05');
  t.equal(pyFloatRepr(0.0001), '0.0001');
  t.equal(pyFloatRepr(123456789.125), '123456789.125');
  t.equal(pyJsonDumps({ a: [1, 2.5, 'é"\n'], b: null, c: true, d: {} }), '{"a": [1, 2.5, "\\u00e9\\"\\n"], "b": null, "c": true, "d": {}}');
});
