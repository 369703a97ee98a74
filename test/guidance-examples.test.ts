import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { parseExampleCounts } from '../scripts/eval/learning-curve.js';
import { UsageError } from '../src/cli.js';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';
import { teacherSetup } from './helpers/teacher.js';
import { waitFor } from './helpers/wait-for.js';

// Two entries, neither of whose documents reads like the conversations below.
const ENTRIES = [
  {
    external_id: 'late-return',
    scenario: 'Customer asks to send back an item after the return period ended',
    guidance: 'Check the order date, explain the policy and offer store credit instead of a refund.',
  },
  {
    external_id: 'billing-dispute',
    scenario: 'Customer disputes a charge on their invoice',
    guidance: 'Look the invoice up, explain each line, and open a billing ticket if a line is wrong.',
  },
];
const LIVE = [
  { role: 'assistant', content: 'Hi, how can I help?' },
  { role: 'user', content: 'The courier handed my parcel to a neighbour who has since moved away' },
  { role: 'assistant', content: 'I am sorry to hear that. What is the order number?' },
  { role: 'user', content: 'Order 4411, the neighbour moved out last week and the parcel went with them' },
];
const SIMILAR = [{ role: 'user', content: 'my parcel went to a neighbour and the neighbour has moved away, the courier says it was handed over' }];

function client(app: FastifyInstance, libraryId: string, headers = admin) {
  const base = `/v1/libraries/${libraryId}`;
  return {
    add: (gid: string, payload: object, as = headers) => app.inject({ method: 'POST', url: `${base}/guidance/${gid}/examples`, headers: as, payload }),
    list: (gid: string, as = headers) => app.inject({ method: 'GET', url: `${base}/guidance/${gid}/examples`, headers: as }),
    remove: (gid: string, eid: string, as = headers) => app.inject({ method: 'DELETE', url: `${base}/guidance/${gid}/examples/${eid}`, headers: as }),
    entry: async (gid: string) => (await app.inject({ method: 'GET', url: `${base}/guidance/${gid}`, headers })).json(),
    history: async (gid: string) => (await app.inject({ method: 'GET', url: `${base}/guidance/${gid}/history`, headers })).json().items,
    ranking: async (messages: object[]): Promise<string[]> => {
      const res = await app.inject({ method: 'POST', url: `${base}/retrieve`, headers, payload: { messages, k: 5 } });
      if (res.statusCode !== 200) throw new Error(`retrieve answered ${res.statusCode}: ${res.body}`);
      return res.json().results.map((r: { id: string }) => r.id);
    },
    /** A turn as live traffic makes it: compose records the trace of the conversation it answered. */
    trace: async (messages: object[], conversation_id = 'c-1') => {
      const res = await app.inject({ method: 'POST', url: `${base}/compose`, headers, payload: { messages, conversation_id } });
      if (res.statusCode !== 200) throw new Error(`compose answered ${res.statusCode}: ${res.body}`);
      return res.json().trace_id as string;
    },
  };
}

// Retrieval may read from CI's streaming replica: a write is seen there after its lag.
const firstBecomes = (ranking: () => Promise<string[]>, id: string) =>
  waitFor(async () => (await ranking())[0] === id, { timeout: 10_000, message: `entry ${id} never ranked first` });

t.test("a trace's conversation becomes an example: a similar conversation now finds that entry first", async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const c = client(app, lib.id);
  const { ids } = await importEntries(app, lib.id, ENTRIES);
  const before = await c.ranking(SIMILAR);
  // The entry the similar conversation did not find first is the one taught what it sounds like.
  const target = ids.find((id) => id !== before[0])!;
  t.not(before[0], target, 'before: the entry is not first');

  const traceId = await c.trace(LIVE, 'conv-4411');
  const res = await c.add(target, { trace_id: traceId });
  t.equal(res.statusCode, 201, res.body);
  const body = res.json();
  // No tool was called yet: the last line says so, which step agents take first is learned from it.
  const text = 'The courier handed my parcel to a neighbour who has since moved away\nOrder 4411, the neighbour moved out last week and the parcel went with them\n∅';
  t.match(body, { added: true, example: { text, source: { kind: 'trace', trace_id: traceId, conversation_id: 'conv-4411', job_id: null, entry_version: 2 } }, entry: { id: target, version: 2 } });
  t.same(body.entry.examples, [text], "the customer's turns, not the agent's");
  await firstBecomes(() => c.ranking(SIMILAR), target);

  const [latest] = await c.history(target);
  t.match(latest, { version: 2, change: 'update', examples: [text] });
  t.match(latest.reason, `added from trace ${traceId}`, 'history says where it came from');
  const listed = (await c.list(target)).json();
  t.match(listed, { entry_id: target, version: 2, items: [{ id: body.example.id, text, source: { kind: 'trace', trace_id: traceId } }] });

  // Restore takes the example away as any edit; restoring the version that added it brings it back with its source.
  t.equal((await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/${target}/restore`, headers: admin, payload: { version: 1 } })).statusCode, 200);
  t.same((await c.list(target)).json().items, []);
  await firstBecomes(() => c.ranking(SIMILAR), before[0]!);
  t.equal((await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/${target}/restore`, headers: admin, payload: { version: 2 } })).statusCode, 200);
  t.match((await c.list(target)).json().items, [{ text, source: { kind: 'trace', trace_id: traceId } }]);
  await firstBecomes(() => c.ranking(SIMILAR), target);
});

t.test('the same example twice is added once, whatever its source, case or spacing', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const c = client(app, lib.id);
  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const gid = ids[0]!;
  const traceId = await c.trace([{ role: 'user', content: 'My parcel never arrived and the tracking stopped' }]);
  const first = await c.add(gid, { trace_id: traceId });
  t.equal(first.statusCode, 201);
  const again = await c.add(gid, { trace_id: traceId });
  t.equal(again.statusCode, 200);
  t.match(again.json(), { added: false, example: { id: first.json().example.id, source: { kind: 'trace', trace_id: traceId } }, entry: { version: 2 } });
  // Taken before any tool call: the text that says so is the same example.
  const asText = await c.add(gid, { text: '  my parcel NEVER arrived and   the tracking stopped \n ∅' });
  t.equal(asText.statusCode, 200);
  t.equal(asText.json().added, false);
  const asMessages = await c.add(gid, { messages: [{ role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'My parcel never arrived and the tracking stopped' }] });
  t.equal(asMessages.json().added, false, 'the agent turn is not part of the example');
  // An example written with the entry counts too, and is listed without a source.
  const written = await c.add(gid, { text: SAMPLE_ENTRIES[0]!.examples[0]!.toUpperCase() });
  t.match(written.json(), { added: false, example: { text: SAMPLE_ENTRIES[0]!.examples[0], source: null } });
  const entry = await c.entry(gid);
  t.equal(entry.version, 2, 'nothing was written after the first');
  t.equal(entry.examples.length, SAMPLE_ENTRIES[0]!.examples.length + 1);
  t.equal((await c.history(gid)).length, 2);
});

t.test("a state a teacher job measured becomes an example, with the job and decision point as its source", async (t) => {
  const { app, lib, run, evidence } = await teacherSetup(t);
  const c = client(app, lib.id);
  const messages = [
    { role: 'user', content: 'Change the delivery address of order 77 to 5 Main St.' },
    { role: 'assistant', content: 'Done, the address is updated.' },
    { role: 'user', content: 'Wait, someone else just changed my address?!' },
  ];
  const job = await run({ kind: 'transcripts', transcripts: [{ id: 'conv-77', messages }] });
  t.equal(job.status, 'done');
  const [proof] = (await evidence(job.produced_entry_ids[0])).items;
  const point = proof.evidence.states[0].key;
  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const target = ids[2]!;

  const res = await c.add(target, { job_id: job.id, decision_point: point });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), {
    added: true,
    example: { text: 'Change the delivery address of order 77 to 5 Main St.\n∅', source: { kind: 'teacher', job_id: job.id, decision_point: point, trace_id: null } },
  });
  t.ok((await c.entry(target)).examples.includes('Change the delivery address of order 77 to 5 Main St.\n∅'));
  t.match((await c.history(target))[0].reason, `teacher job ${job.id} decision point ${point}`);

  const unknown = await c.add(target, { job_id: job.id, decision_point: 'conv-77#9' });
  t.equal(unknown.statusCode, 404);
  t.match(unknown.json().error.message, 'decision point "conv-77#9"');
  const other = await createLibrary(app);
  const [otherEntry] = (await importEntries(app, other.id, SAMPLE_ENTRIES)).ids;
  const elsewhere = await client(app, other.id).add(otherEntry!, { job_id: job.id, decision_point: point });
  t.equal(elsewhere.statusCode, 404, "another library's job is not found");
  t.match(elsewhere.json().error.message, `job ${job.id} not found`);
});

t.test('students cannot change examples; other tenants see nothing', async (t) => {
  const { app } = await testApp(t);
  const a = await createLibrary(app);
  const b = await createLibrary(app);
  const [entryA] = (await importEntries(app, a.id, SAMPLE_ENTRIES)).ids;
  const [entryB] = (await importEntries(app, b.id, SAMPLE_ENTRIES)).ids;
  const student = bearer((await createKey(app, { role: 'student', library_ids: [a.id] })).key);
  const teacherA = bearer((await createKey(app, { role: 'teacher', library_ids: [a.id] })).key);
  const ca = client(app, a.id);
  const cb = client(app, b.id);
  const traceB = await cb.trace([{ role: 'user', content: 'My parcel never arrived' }]);

  const refused = await ca.add(entryA!, { text: 'my parcel never arrived' }, student);
  t.equal(refused.statusCode, 403);
  t.match(refused.json().error.message, 'a student key cannot change examples');
  t.equal((await ca.list(entryA!, student)).statusCode, 200, 'students read them, as they read entries');
  const added = await ca.add(entryA!, { text: 'my parcel never arrived' }, teacherA);
  t.equal(added.statusCode, 201, 'a teacher of the library adds them');
  t.equal((await ca.remove(entryA!, added.json().example.id, student)).statusCode, 403);

  t.equal((await cb.add(entryB!, { text: 'my parcel never arrived' }, teacherA)).statusCode, 404, "another tenant's library");
  t.equal((await cb.list(entryB!, teacherA)).statusCode, 404);
  t.equal((await ca.add(entryB!, { text: 'my parcel never arrived' })).statusCode, 404, "an entry of another library, under this one's URL");
  const foreignTrace = await ca.add(entryA!, { trace_id: traceB });
  t.equal(foreignTrace.statusCode, 404, "another library's trace");
  t.match(foreignTrace.json().error.message, `trace ${traceB} not found`);
  t.equal((await ca.remove(entryA!, '0123456789abcdef')).statusCode, 404, 'an example the entry does not have');
});

t.test('a bad body is a 400 naming the field; limits on length and count', async (t) => {
  const { app, db } = await testApp(t);
  const lib = await createLibrary(app);
  const c = client(app, lib.id);
  const [gid] = (await importEntries(app, lib.id, SAMPLE_ENTRIES)).ids;
  const cases: [object, string][] = [
    [{}, 'body must have exactly one of trace_id, job_id (with decision_point), messages, text; none given'],
    [{ trace_id: '3f1c2b7a-9d4e-4a6b-8c2d-5e7f9a1b3c4d', text: 'hello there' }, 'body must have exactly one of trace_id, job_id (with decision_point), messages, text; trace_id and text given'],
    [{ trace_id: 'not-a-uuid' }, 'body.trace_id'],
    [{ job_id: '3f1c2b7a-9d4e-4a6b-8c2d-5e7f9a1b3c4d' }, 'body.decision_point is required with job_id'],
    [{ text: 'hello', decision_point: 'x#1' }, 'body.decision_point goes with job_id'],
    [{ text: '   ' }, 'body.text'],
    [{ text: 'x'.repeat(4001) }, 'body.text must NOT have more than 4000 characters'],
    [{ messages: [] }, 'body.messages'],
    [{ messages: [{ role: 'tool', content: 'ok' }] }, 'body.messages.0'],
    [{ messages: [{ role: 'user', content: 'hello, thanks!' }] }, 'body.messages has no customer words or tool calls to make an example of'],
    [{ messages: [{ role: 'user', content: 'parcel '.repeat(700) }] }, 'body.messages makes an example of 4901 characters, more than 4000'],
    [{ text: 'hi', colour: 'red' }, 'body'],
  ];
  for (const [payload, message] of cases) {
    const res = await c.add(gid!, payload);
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.match(res.json().error, { code: 'validation_error', message }, message);
  }
  t.equal((await c.entry(gid!)).version, 1, 'nothing was written');

  const full = await importEntries(app, lib.id, [{ ...SAMPLE_ENTRIES[1]!, examples: Array.from({ length: 200 }, (_, i) => `example number ${i}`) }]);
  const over = await c.add(full.ids[0]!, { text: 'one more example' });
  t.equal(over.statusCode, 400);
  t.match(over.json().error, { message: 'examples: the entry has 200 examples, the most it keeps: delete one first', details: [{ field: 'examples' }] });

  // A trace whose messages are gone says why.
  const traceId = await c.trace([{ role: 'user', content: 'my parcel never arrived' }]);
  await db.query("UPDATE chat_traces SET messages = NULL, created_at = now() - interval '31 days' WHERE id = $1", [traceId]);
  const expired = await c.add(gid!, { trace_id: traceId });
  t.equal(expired.statusCode, 409);
  t.match(expired.json().error, { message: 'erased after TRACE_RETENTION_DAYS (30 days)', details: { field: 'trace_id', reason: 'messages_expired' } });
});

t.test('a trace served with TRACE_MESSAGES=off kept nothing to learn from', async (t) => {
  const { app } = await testApp(t, { env: { TRACE_MESSAGES: 'off' } });
  const lib = await createLibrary(app);
  const c = client(app, lib.id);
  const [gid] = (await importEntries(app, lib.id, SAMPLE_ENTRIES)).ids;
  const res = await c.add(gid!, { trace_id: await c.trace([{ role: 'user', content: 'my parcel never arrived' }]) });
  t.equal(res.statusCode, 409);
  t.match(res.json().error, { message: 'TRACE_MESSAGES was off', details: { reason: 'messages_not_kept' } });
});

t.test('curated messages keep tool calls; removing an example is a new version, and a pending revision follows both', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const c = client(app, lib.id);
  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const gid = ids[2]!;
  const messages = [
    { role: 'user', content: 'Please send order 88 to my office instead' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call-1', type: 'function', function: { name: 'get_order_details', arguments: '{"order_id":"88"}' } }] },
    { role: 'tool', tool_call_id: 'call-1', content: '{"status":"pending"}' },
  ];
  const library = await app.libraries.get({ keyId: 'test', role: 'admin', libraryIds: null, expiresAt: null }, lib.id);
  const entry = await app.guidance.get(lib.id, gid);
  const revision = await app.revisions.propose(library, gid, { ...entry, guidance: 'Check the status, then update the address.', provenance: { source: 'test' } }, { keyId: null });

  const added = await c.add(gid, { messages });
  t.equal(added.statusCode, 201, added.body);
  const text = added.json().example.text;
  t.match(text, /^Please send order 88 to my office instead\nget_order_details\(.*\) → status: pending$/, 'the tool call and its result are part of the state');
  t.match(added.json().example.source, { kind: 'messages', trace_id: null, job_id: null });

  const textual = await c.add(gid, { text: 'ship it to my work address' });
  const removed = await c.remove(gid, textual.json().example.id);
  t.equal(removed.statusCode, 200);
  t.match(removed.json(), { example: { text: 'ship it to my work address', source: { kind: 'text' } }, entry: { version: 4 } });
  t.notOk(removed.json().entry.examples.includes('ship it to my work address'));
  t.match((await c.history(gid))[0], { version: 4, reason: `example ${textual.json().example.id} removed` });
  t.equal((await c.remove(gid, textual.json().example.id)).statusCode, 404, 'gone');

  const approved = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/${gid}/revisions/${revision.id}/approve`, headers: admin, payload: { reason: 'fine' } });
  t.equal(approved.statusCode, 200, approved.body);
  const after = await c.entry(gid);
  t.equal(after.guidance, 'Check the status, then update the address.');
  t.ok(after.examples.includes(text), 'the example added while the revision waited is kept');
  t.notOk(after.examples.includes('ship it to my work address'), 'the one removed meanwhile does not come back');
});

t.test('eval:retrieval --examples-per-entry takes the steps of the learning curve in any order, "all" last', async (t) => {
  t.same(parseExampleCounts('10,0,2,all,5,2'), [0, 2, 5, 10, 'all']);
  t.same(parseExampleCounts('3'), [3]);
  t.throws(() => parseExampleCounts('0,two'), new UsageError('--examples-per-entry takes numbers of conversations per entry and "all", comma-separated (e.g. 0,2,5,10,all), got "two"'));
  t.throws(() => parseExampleCounts('-1'), UsageError);
});

t.test("an example from a trace holds what the customer said, not the marks of the trace's redaction", async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const c = client(app, lib.id);
  const { ids } = await importEntries(app, lib.id, ENTRIES);
  const traceId = await c.trace([{ role: 'user', content: 'My parcel never came, write to jo@example.com or call +44 20 7946 0958 about it' }], 'conv-redacted');
  const stored = (await app.inject({ method: 'GET', url: `/v1/traces/${traceId}`, headers: admin })).json();
  t.match(stored.messages[0].content, /\[email\].*\[phone\]/, 'the trace keeps the redacted text');
  const res = await c.add(ids[0]!, { trace_id: traceId });
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().example.text, 'My parcel never came, write to or call about it\n∅');
});
