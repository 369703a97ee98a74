import t from 'tap';
import { nextSteps } from '../src/retrieval/procedures.js';
import { admin, testApp } from './helpers/app.js';
import { createLibrary, importEntries } from './helpers/library.js';
import { call } from './helpers/tools.js';

interface Result {
  id: string;
  external_id: string;
  score: number;
  explanation: {
    procedure: { name: string; step: number; tool: string | null; next: boolean; next_by: string | null; state_examples: number; bonus: number } | null;
    selection: { relevance: number };
  };
}

const { app } = await testApp(t);

const customer = { role: 'user' as const, content: 'I was charged twice for my order and want the extra charge refunded' };

/** The conversation after the agent called `tools`, in order, each answered. */
function after(...tools: string[]) {
  return [
    customer,
    ...tools.flatMap((name, i) => [
      { role: 'assistant' as const, content: null, tool_calls: [call(`call_${i}`, name, {})] },
      { role: 'tool' as const, tool_call_id: `call_${i}`, content: 'done' },
    ]),
  ];
}

/**
 * A refund procedure whose steps read alike to the search (one text), so which one comes first is
 * the procedure's doing: verify twice (identity, then the card), apologise, look the charge up, refund.
 */
const REFUND_STEPS = [
  ['verify-identity', 'verify'],
  ['verify-card', 'verify'],
  ['say-sorry', null],
  ['find-charge', 'get_charges'],
  ['refund-charge', 'refund'],
].map(([external_id, tool], index) => ({
  external_id,
  scenario: 'The customer was charged twice for an order and asks for the extra charge back',
  guidance: 'Verify the customer and their card, look the charges up, and refund the duplicate only.',
  procedure: { name: 'double-charge', step: index + 1, tool },
}));

async function retrieve(lib: string, messages: unknown[], k = 5): Promise<Result[]> {
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib}/retrieve`, headers: admin, payload: { messages, k } });
  if (res.statusCode !== 200) throw new Error(`retrieve: ${res.statusCode} ${res.body}`);
  return res.json().results;
}

t.test("the procedure's first step not yet done ranks first, and moves on as the conversation calls its tools", async (t) => {
  const lib = await createLibrary(app);
  await importEntries(app, lib.id, REFUND_STEPS);
  const expected: [string[], string][] = [
    [[], 'verify-identity'],
    [['verify'], 'verify-card'],
    [['verify', 'verify'], 'find-charge'],
    [['verify', 'verify', 'get_charges'], 'refund-charge'],
  ];
  for (const [tools, next] of expected) {
    const results = await retrieve(lib.id, after(...tools));
    t.equal(results[0]!.external_id, next, `after ${tools.join(', ') || 'no call'}`);
    t.same(
      results.filter((r) => r.explanation.procedure!.next).map((r) => r.external_id),
      [next],
      'one next step, which the explanation names',
    );
    const [first, second] = results;
    t.equal(first!.explanation.procedure!.bonus, 0.1);
    t.equal(second!.explanation.procedure!.bonus, 0);
    t.ok(first!.explanation.selection.relevance - second!.explanation.selection.relevance <= 0.1 + 1e-9, 'the bonus is all that separates alike steps');
  }
  const done = await retrieve(lib.id, after('verify', 'verify', 'get_charges', 'refund'));
  t.notOk(done.some((r) => r.explanation.procedure!.next), 'every step with a tool done: no next step');
  t.same(
    (await retrieve(lib.id, after('verify'))).find((r) => r.external_id === 'say-sorry')!.explanation.procedure,
    { name: 'double-charge', step: 3, tool: null, next: false, next_by: null, state_examples: 0, bonus: 0 },
    'a step without a tool is never next',
  );
});

t.test('the next step is judged over all the steps of its procedure, found by the search or not, and procedures are apart', async (t) => {
  const steps = (name: string, tools: (string | null)[]) => tools.map((tool, i) => ({ id: `${name}-${i + 1}`, name, step: i + 1, tool, state_examples: 0 }));
  const library = [...steps('returns', ['lookup', null, 'label']), ...steps('exchange', ['lookup', 'lookup', 'ship'])];
  const next = (...tools: string[]) => Object.fromEntries([...nextSteps(library, after(...tools))].map(([name, { step }]) => [name, step.id]));
  t.same(next(), { returns: 'returns-1', exchange: 'exchange-1' });
  t.same(next('lookup'), { returns: 'returns-3', exchange: 'exchange-2' }, 'one lookup does the first lookup step of each');
  t.same(next('lookup', 'lookup'), { returns: 'returns-3', exchange: 'exchange-3' });
  t.same(next('ship', 'label'), { returns: 'returns-1', exchange: 'exchange-1' }, 'later steps done out of order do not skip an earlier one');
  t.same(next('lookup', 'label'), { exchange: 'exchange-2' });
});

t.test("where a procedure's examples were taken in the conversation's tool state, the step they took most often there is next", async (t) => {
  const step = (id: string, n: number, tool: string | null, state_examples: number) => ({ id, name: 'returns', step: n, tool, state_examples });
  const next = (library: ReturnType<typeof step>[]) => {
    const found = nextSteps(library, after('lookup')).get('returns');
    return found === undefined ? null : [found.step.id, found.by];
  };
  t.same(next([step('lookup', 1, 'lookup', 0), step('label', 2, 'label', 0), step('refund', 3, 'refund', 0)]), ['label', 'order'], 'no example in this state: the documented order');
  t.same(next([step('lookup', 1, 'lookup', 0), step('label', 2, 'label', 1), step('refund', 3, 'refund', 3)]), ['refund', 'examples'], 'agents refunded before the label');
  t.same(next([step('lookup', 1, 'lookup', 0), step('label', 2, 'label', 2), step('refund', 3, 'refund', 2)]), ['label', 'examples'], 'a tie goes to the earlier step');
  t.same(next([step('lookup', 1, 'lookup', 0), step('apologise', 2, null, 1), step('refund', 3, 'refund', 0)]), ['apologise', 'examples'], 'a step without a tool can be next by its examples');
});

t.test("examples written from conversations teach retrieval where agents leave the documented order, live and in the explanation", async (t) => {
  const lib = await createLibrary(app);
  // Agents look the charge up right after the identity check, before verifying the card. The
  // examples are what POST …/examples {trace_id} writes: the customer's words, then a line per call.
  const taught = REFUND_STEPS.map((entry) =>
    entry.external_id === 'find-charge'
      ? { ...entry, examples: ['I was charged twice\nverify() → verified: true', 'Charged twice for one order\nverify({"name": "Ann"})', 'refund(now) is what I want'] }
      : entry.external_id === 'refund-charge'
        ? { ...entry, examples: ['Just refund the second charge\nverify() → verified: true'] }
        : entry,
  );
  await importEntries(app, lib.id, taught);
  const afterIdentity = await retrieve(lib.id, after('verify'));
  t.equal(afterIdentity[0]!.external_id, 'find-charge', 'the examples outrank the documented order');
  t.match(afterIdentity[0]!.explanation.procedure, { next: true, next_by: 'examples', state_examples: 2, bonus: 0.1 }, "two examples in this state; a customer's line is no call");
  t.match(afterIdentity.find((r) => r.external_id === 'verify-card')!.explanation.procedure, { next: false, next_by: null, state_examples: 0, bonus: 0 });
  t.match(
    afterIdentity.find((r) => r.external_id === 'refund-charge')!.explanation.procedure,
    { next: false, next_by: null, state_examples: 1, bonus: 0.05 },
    'one agent refunded right after the check: half as many examples, half the bonus',
  );
  const atStart = await retrieve(lib.id, after());
  t.match(
    atStart.find((r) => r.external_id === 'verify-identity')!.explanation.procedure,
    { next: true, next_by: 'order', state_examples: 0 },
    'no example was taken before any call: the documented order',
  );
  const afterTwo = await retrieve(lib.id, after('verify', 'verify'));
  t.equal(afterTwo[0]!.external_id, 'find-charge', 'after two checks: the documented order again, which is the same step');
  t.equal(afterTwo[0]!.explanation.procedure!.next_by, 'order', 'the examples were taken after one check, not two');
});

t.test('examples taken before any call teach which step agents take first; examples written by hand say nothing of when', async (t) => {
  const lib = await createLibrary(app);
  // Agents look the charge up before verifying anyone. POST …/examples ends such an example with ∅.
  const taught = REFUND_STEPS.map((entry) =>
    entry.external_id === 'find-charge'
      ? { ...entry, examples: ['I was charged twice\n∅', 'Two charges for one order\n∅'] }
      : entry.external_id === 'verify-identity'
        ? { ...entry, examples: ['I was charged twice', 'Two charges for one order', 'charged twice, refund one'] }
        : entry,
  );
  await importEntries(app, lib.id, taught);
  const atStart = await retrieve(lib.id, after());
  t.equal(atStart[0]!.external_id, 'find-charge', 'the examples outrank the documented order');
  t.match(atStart[0]!.explanation.procedure, { next: true, next_by: 'examples', state_examples: 2, bonus: 0.1 });
  t.match(atStart.find((r) => r.external_id === 'verify-identity')!.explanation.procedure, { next: false, state_examples: 0, bonus: 0 }, 'its examples hold no ∅');
  const afterIdentity = await retrieve(lib.id, after('verify'));
  const standing = (id: string) => afterIdentity.find((r) => r.external_id === id)!.explanation.procedure;
  t.match(standing('verify-card'), { next: true, next_by: 'order', bonus: 0.1 }, 'once a call is made, examples taken before any say nothing');
  t.match(standing('find-charge'), { next: false, state_examples: 0, bonus: 0 });
});

t.test('the line saying no tool was called yet moves neither the vector nor the text rank', async (t) => {
  const lib = await createLibrary(app);
  const entry = { scenario: 'A duplicate charge', guidance: 'Refund the duplicate.' };
  await importEntries(app, lib.id, [
    { ...entry, external_id: 'plain', examples: ['I was charged twice for my order'] },
    { ...entry, external_id: 'marked', examples: ['I was charged twice for my order\n∅'] },
    ...['A parcel went missing', 'A jacket arrived torn', 'The password reset mail never came', 'A promo code is rejected'].map((scenario, i) => ({
      scenario,
      guidance: 'Help.',
      external_id: `other-${i}`,
    })),
  ]);
  const [a, b] = (await retrieve(lib.id, [customer])).filter((r) => !r.external_id.startsWith('other')) as unknown as { external_id: string; explanation: { vector_score: number; text_rank: number } }[];
  t.same([a!.explanation.vector_score, a!.explanation.text_rank], [b!.explanation.vector_score, b!.explanation.text_rank]);
  t.ok(a!.explanation.text_rank > 0, 'both matched the words');
});

t.test('a procedure step is written, versioned, exported and cleared like the other selection rules', async (t) => {
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, REFUND_STEPS.slice(0, 2));
  const [id] = ids;
  const url = `/v1/libraries/${lib.id}/guidance/${id}`;
  t.same((await app.inject({ method: 'GET', url, headers: admin })).json().procedure, { name: 'double-charge', step: 1, tool: 'verify' });

  const moved = await app.inject({ method: 'PATCH', url, headers: admin, payload: { procedure: { name: '  double-charge ', step: 3 } } });
  t.equal(moved.statusCode, 200);
  t.same(moved.json().entry.procedure, { name: 'double-charge', step: 3, tool: null }, 'the name trimmed; no tool given: none');
  const cleared = await app.inject({ method: 'PATCH', url, headers: admin, payload: { procedure: null } });
  t.equal(cleared.json().entry.procedure, null);
  t.equal(cleared.json().entry.version, 3);
  const same = await app.inject({ method: 'PATCH', url, headers: admin, payload: { procedure: null } });
  t.equal(same.json().entry.version, 3, 'no change, no version');

  const history = (await app.inject({ method: 'GET', url: `${url}/history`, headers: admin })).json().items;
  t.same(
    history.map((v: { version: number; procedure: unknown }) => [v.version, v.procedure]),
    [[3, null], [2, { name: 'double-charge', step: 3, tool: null }], [1, { name: 'double-charge', step: 1, tool: 'verify' }]],
  );
  const restored = await app.inject({ method: 'POST', url: `${url}/restore`, headers: admin, payload: { version: 1 } });
  t.equal(restored.statusCode, 200, restored.body);
  t.same(restored.json().procedure, { name: 'double-charge', step: 1, tool: 'verify' });

  const exported = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/export`, headers: admin })).body.trim().split('\n').map((line) => JSON.parse(line));
  const procedures = exported.map((e: { procedure: { step: number } }) => e.procedure).sort((a: { step: number }, b: { step: number }) => a.step - b.step);
  t.same(procedures, [
    { name: 'double-charge', step: 1, tool: 'verify' },
    { name: 'double-charge', step: 2, tool: 'verify' },
  ]);
  const other = await createLibrary(app);
  await importEntries(app, other.id, exported.map(({ id: _id, ...entry }: Record<string, unknown>) => entry));
  const copied = await retrieve(other.id, after('verify'));
  t.equal(copied[0]!.external_id, 'verify-card', 'an export imported elsewhere keeps its procedure');
});

t.test('a bad procedure is refused with 400 naming the field', async (t) => {
  const lib = await createLibrary(app);
  const cases: [unknown, RegExp][] = [
    [{ name: 'refund', step: 0 }, /procedure\/step|procedure\.step/],
    [{ name: 'refund', step: 1.5 }, /procedure\/step|procedure\.step/],
    [{ name: 'refund', step: 1, tool: 'has space' }, /procedure\/tool|procedure\.tool/],
    [{ name: '   ', step: 1 }, /procedure\/name|procedure\.name/],
    [{ step: 1 }, /procedure/],
    [{ name: 'refund', step: 1, order: 2 }, /procedure/],
  ];
  for (const [procedure, field] of cases) {
    const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance`, headers: admin, payload: { scenario: 's', guidance: 'g', procedure } });
    t.equal(res.statusCode, 400, JSON.stringify(procedure));
    t.match(res.body, field);
  }
});
