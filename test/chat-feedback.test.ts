import t from 'tap';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { studentEnv } from './helpers/chat.js';
import { FakeOpenAI } from './helpers/fake-openai.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';

const customer = (text: string) => [
  { role: 'assistant' as const, content: 'Hello, how can I help you today?' },
  { role: 'user' as const, content: text },
];
const REFUND = 'I bought a jacket 45 days ago and want to return it for my money back';
const PASSWORD = 'I forgot my password and now I am locked out';
const SHIPPING = 'please send my package to my new address instead';

t.test('feedback aggregates into per-guidance effectiveness: exposures, mean rating, resolution with vs without', async (t) => {
  const fake = await FakeOpenAI.start(t);
  const { app } = await testApp(t, { env: studentEnv(fake) });
  const lib = await createLibrary(app);
  const [refund, password, shipping] = (await importEntries(app, lib.id, SAMPLE_ENTRIES)).ids as [string, string, string];
  const { key } = await createKey(app, { role: 'student', library_ids: [lib.id] });
  const headers = bearer(key);
  const turn = async (text: string, conversation_id?: string) => {
    const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/chat`, headers, payload: { messages: customer(text), conversation_id, k: 1 } });
    return res;
  };
  const feedback = async (payload: object) => {
    const res = await app.inject({ method: 'POST', url: '/v1/feedback', headers, payload });
    t.equal(res.statusCode, 201, res.body);
    return res.json();
  };

  // c1: two turns with the refund entry; c2: password; c3: refund; a lone turn: shipping.
  t.same((await turn(REFUND, 'c1')).json().guidance.map((g: { id: string }) => g.id), [refund]);
  const c1last = (await turn(`${REFUND}. It is 45 days, can I still get my money back?`, 'c1')).json();
  t.same(c1last.guidance.map((g: { id: string }) => g.id), [refund]);
  t.same((await turn(PASSWORD, 'c2')).json().guidance.map((g: { id: string }) => g.id), [password]);
  await turn(REFUND, 'c3');
  const lone = (await turn(SHIPPING)).json();
  t.same(lone.guidance.map((g: { id: string }) => g.id), [shipping]);
  fake.script({ type: 'error', status: 500 });
  t.equal((await turn(REFUND, 'c5')).statusCode, 502, 'a failed turn is traced but exposes nothing');

  const onC1 = await feedback({ conversation_id: 'c1', rating: 5, resolved: true });
  t.equal(onC1.trace_id, c1last.trace_id, 'recorded against the latest turn of the conversation');
  await feedback({ conversation_id: 'c2', rating: 2, resolved: false, policy_violation: true, comment: 'wrong answer' });
  await feedback({ conversation_id: 'c3', rating: 4, resolved: true });
  await feedback({ conversation_id: 'c3', rating: 2 });
  const onLone = await feedback({ trace_id: lone.trace_id, rating: 4, resolved: false });
  t.match(onLone, { trace_id: lone.trace_id, conversation_id: null, library_id: lib.id, rating: 4, resolved: false, policy_violation: null, comment: null });

  const res = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/stats`, headers });
  t.equal(res.statusCode, 200, res.body);
  const stats = res.json();
  t.equal(stats.conversations_with_feedback, 4, 'c1, c2, c3 and the lone turn');
  const of = (id: string) => stats.items.find((i: { entry_id: string }) => i.entry_id === id);
  t.same(stats.items.map((i: { entry_id: string }) => i.entry_id), [refund, password, shipping], 'most exposed first');

  // Per conversation: c1 5/resolved, c2 2/unresolved/violation, c3 mean 3/resolved, lone 4/unresolved.
  t.match(of(refund), {
    external_id: 'refund-late',
    version: 1,
    exposures: 3,
    conversations: 2,
    when_used: { conversations: 2, mean_rating: 4, resolution_rate: 1, policy_violation_rate: null },
    when_not_used: { conversations: 2, mean_rating: 3, resolution_rate: 0, policy_violation_rate: 1 },
  });
  t.match(of(password), {
    exposures: 1,
    when_used: { conversations: 1, mean_rating: 2, resolution_rate: 0, policy_violation_rate: 1 },
    when_not_used: { conversations: 3, mean_rating: 4, policy_violation_rate: null },
  });
  t.ok(Math.abs(of(password).when_not_used.resolution_rate - 2 / 3) < 1e-9);
  t.match(of(shipping), { exposures: 1, conversations: 1, when_used: { conversations: 1, mean_rating: 4, resolution_rate: 0 } });
  t.ok(Math.abs(of(shipping).when_not_used.mean_rating - 10 / 3) < 1e-9);
  t.ok(of(refund).last_used_at !== null);

  const one = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${refund}/stats`, headers });
  t.equal(one.statusCode, 200);
  t.same(one.json(), of(refund), 'the entry route agrees with the library route');
  const missing = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${lib.id}/stats`, headers });
  t.equal(missing.statusCode, 404);
});

t.test('an unused library reports entries with no exposures and empty outcomes', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  await importEntries(app, lib.id, SAMPLE_ENTRIES.slice(0, 1));
  const res = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/stats`, headers: admin });
  t.equal(res.statusCode, 200);
  t.match(res.json(), {
    conversations_with_feedback: 0,
    items: [{ exposures: 0, conversations: 0, last_used_at: null, when_used: { conversations: 0, mean_rating: null, resolution_rate: null } }],
  });
});

t.test('feedback is scoped to keys that see the trace\'s library, and validated naming the field', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const other = await createLibrary(app);
  const compose = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${lib.id}/compose`,
    headers: admin,
    payload: { messages: customer(REFUND), conversation_id: 'scoped' },
  });
  const traceId = compose.json().trace_id;
  const insider = await createKey(app, { role: 'student', library_ids: [lib.id] });
  const outsider = await createKey(app, { role: 'student', library_ids: [other.id] });
  const post = (key: string, payload: object) => app.inject({ method: 'POST', url: '/v1/feedback', headers: bearer(key), payload });

  t.equal((await post(outsider.key, { trace_id: traceId, rating: 1 })).statusCode, 404, 'trace of another library');
  t.equal((await post(outsider.key, { conversation_id: 'scoped', rating: 1 })).statusCode, 404, 'conversation of another library');
  t.equal((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/stats`, headers: bearer(outsider.key) })).statusCode, 404);
  t.equal((await post(insider.key, { trace_id: traceId, rating: 3 })).statusCode, 201, 'a student key may give feedback');
  t.equal((await post(insider.key, { conversation_id: 'nobody-said-this', rating: 3 })).statusCode, 404);

  const cases: [object, string][] = [
    [{ rating: 3 }, 'body.trace_id'],
    [{ trace_id: traceId, conversation_id: 'scoped', rating: 3 }, 'body.trace_id'],
    [{ trace_id: traceId }, 'body.rating'],
    [{ trace_id: traceId, rating: 6 }, 'body.rating'],
    [{ trace_id: traceId, rating: 2.5 }, 'body.rating'],
    [{ trace_id: 'not-a-uuid', rating: 3 }, 'body.trace_id'],
    [{ trace_id: traceId, resolved: 'yes' }, 'body.resolved'],
    [{ trace_id: traceId, rating: 3, stars: 3 }, 'body.stars'],
  ];
  for (const [payload, field] of cases) {
    const res = await post(insider.key, payload);
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.match(res.json().error.message, field);
  }
  const list = await app.inject({ method: 'GET', url: '/v1/traces', headers: bearer(insider.key) });
  t.equal(list.statusCode, 400);
  t.match(list.json().error.message, 'query.conversation_id');
});
