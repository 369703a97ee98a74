import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { InjectOptions } from 'fastify';
import t, { type Test } from 'tap';
import { Value } from 'typebox/value';
import { ErrorBody } from '../src/http/schemas.js';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';

// One app for the file: every request below must be turned away before it reaches the database.
const { app } = await testApp(t);
const lib = await createLibrary(app);
const [gid] = (await importEntries(app, lib.id, SAMPLE_ENTRIES.slice(0, 1))).ids;
const libUrl = `/v1/libraries/${lib.id}`;
const entryUrl = `${libUrl}/guidance/${gid}`;

const NUL = 'a\u0000b';
const HIGH = 'a\ud800b';
const LOW = 'a\udc00b';
const entry = { scenario: 'Customer asks for a refund', guidance: 'Check the order date first.' };
const conversation = [{ role: 'user', content: 'I want a refund' }];

const nested = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
const ndjson = (...lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

interface Row {
  name: string;
  method: InjectOptions['method'];
  url: string;
  payload?: unknown;
  contentType?: string;
  status?: number;
  field: string;
  message?: RegExp;
}

const row = (name: string, method: Row['method'], url: string, payload: unknown, field: string, extra: Partial<Row> = {}): Row => ({
  name,
  method,
  url,
  payload,
  field,
  ...extra,
});

const NUL_MESSAGE = /U\+0000/;
const SURROGATE_MESSAGE = /unpaired UTF-16 surrogate/;

const ROWS: Row[] = [
  // NUL in stored strings
  row('library name with NUL', 'POST', '/v1/libraries', { name: NUL }, 'body.name', { message: NUL_MESSAGE }),
  row('library description with NUL', 'POST', '/v1/libraries', { name: 'nul-desc', description: NUL }, 'body.description'),
  row('library policy with NUL', 'POST', '/v1/libraries', { name: 'nul-policy', policy: NUL }, 'body.policy'),
  row('library PATCH name with NUL', 'PATCH', libUrl, { name: NUL }, 'body.name'),
  row('library PATCH description with NUL', 'PATCH', libUrl, { description: NUL }, 'body.description'),
  row('library PATCH policy with NUL', 'PATCH', libUrl, { policy: NUL }, 'body.policy'),
  row('key name with NUL', 'POST', '/v1/keys', { name: NUL, role: 'student' }, 'body.name'),
  row('guidance scenario with NUL', 'POST', `${libUrl}/guidance`, { ...entry, scenario: NUL }, 'body.scenario'),
  row('guidance text with NUL', 'POST', `${libUrl}/guidance`, { ...entry, guidance: NUL }, 'body.guidance'),
  row('guidance example with NUL', 'POST', `${libUrl}/guidance`, { ...entry, examples: ['ok', NUL] }, 'body.examples.1'),
  row('guidance tag with NUL', 'POST', `${libUrl}/guidance`, { ...entry, tags: [NUL] }, 'body.tags.0'),
  row('guidance policy_ref with NUL', 'POST', `${libUrl}/guidance`, { ...entry, policy_refs: [NUL] }, 'body.policy_refs.0'),
  row('guidance external_id with NUL', 'POST', `${libUrl}/guidance`, { ...entry, external_id: NUL }, 'body.external_id'),
  row('guidance provenance value with NUL', 'POST', `${libUrl}/guidance`, { ...entry, provenance: { note: NUL } }, 'body.provenance.note'),
  row('guidance provenance key with NUL', 'POST', `${libUrl}/guidance`, { ...entry, provenance: { [NUL]: 1 } }, 'body.provenance', { message: /key/ }),
  row('guidance PATCH text with NUL', 'PATCH', entryUrl, { guidance: NUL }, 'body.guidance'),
  row('guidance PATCH reason with NUL', 'PATCH', entryUrl, { status: 'approved', reason: NUL }, 'body.reason'),
  row('guidance import with NUL', 'POST', `${libUrl}/guidance/import`, [entry, { ...entry, scenario: NUL }], 'body.1.scenario'),
  row('guidance JSONL import with NUL', 'POST', `${libUrl}/guidance/import`, ndjson({ ...entry, guidance: NUL }), 'body.0.guidance', {
    contentType: 'application/x-ndjson',
  }),
  row('restore reason with NUL', 'POST', `${entryUrl}/restore`, { version: 1, reason: NUL }, 'body.reason'),
  row('review reason with NUL', 'POST', `${entryUrl}/review`, { decision: 'approve', reason: NUL }, 'body.reason'),
  row('retire reason (query) with NUL', 'DELETE', `${entryUrl}?reason=a%00b`, undefined, 'query.reason'),
  row('feedback comment with NUL', 'POST', '/v1/feedback', { conversation_id: 'c-1', comment: NUL }, 'body.comment'),
  row('feedback conversation_id with NUL', 'POST', '/v1/feedback', { conversation_id: NUL, rating: 5 }, 'body.conversation_id'),
  row('compose conversation_id with NUL', 'POST', `${libUrl}/compose`, { messages: conversation, conversation_id: NUL }, 'body.conversation_id'),
  row('compose message with NUL', 'POST', `${libUrl}/compose`, { messages: [{ role: 'user', content: NUL }] }, 'body.messages.0.content'),
  row('chat conversation_id with NUL', 'POST', `${libUrl}/chat`, { messages: conversation, conversation_id: NUL }, 'body.conversation_id'),
  row('completions model with NUL', 'POST', '/v1/chat/completions', { model: NUL, messages: conversation }, 'body.model'),
  row('completions conversation_id with NUL', 'POST', '/v1/chat/completions', { model: 'm', messages: conversation, conversation_id: NUL }, 'body.conversation_id'),
  row('retrieve message with NUL', 'POST', `${libUrl}/retrieve`, { messages: [{ role: 'user', content: NUL }] }, 'body.messages.0.content'),
  row('retrieve tag filter with NUL', 'POST', `${libUrl}/retrieve`, { messages: conversation, filters: { tags: [NUL] } }, 'body.filters.tags.0'),
  row('re-embed embedder with NUL', 'POST', `${libUrl}/reembed`, { embedder: NUL }, 'body.embedder'),
  row('teach scenario with NUL', 'POST', `${libUrl}/teach`, { kind: 'scenarios', scenarios: [{ id: 's1', description: NUL, customer_goal: 'refund' }] }, 'body.scenarios.0.description'),
  // NUL in searched strings
  row('guidance search ?q= with NUL', 'GET', `${libUrl}/guidance?q=a%00b`, undefined, 'query.q'),
  row('guidance search ?tags= with NUL', 'GET', `${libUrl}/guidance?tags=a%00b`, undefined, 'query.tags'),
  row('guidance list ?cursor= with NUL', 'GET', `${libUrl}/guidance?cursor=a%00b`, undefined, 'query.cursor'),
  row('traces ?conversation_id= with NUL', 'GET', '/v1/traces?conversation_id=a%00b', undefined, 'query.conversation_id'),
  // Lone UTF-16 surrogates
  row('guidance text with a lone high surrogate', 'POST', `${libUrl}/guidance`, { ...entry, guidance: HIGH }, 'body.guidance', { message: SURROGATE_MESSAGE }),
  row('guidance scenario with a lone low surrogate', 'POST', `${libUrl}/guidance`, { ...entry, scenario: LOW }, 'body.scenario', { message: SURROGATE_MESSAGE }),
  row('guidance external_id with a lone surrogate', 'POST', `${libUrl}/guidance`, { ...entry, external_id: HIGH }, 'body.external_id'),
  row('guidance PATCH external_id with a lone surrogate', 'PATCH', entryUrl, { external_id: LOW }, 'body.external_id'),
  row('guidance import external_id with a lone surrogate', 'POST', `${libUrl}/guidance/import`, [{ ...entry, external_id: HIGH }], 'body.0.external_id'),
  row('guidance JSONL import external_id with a lone surrogate', 'POST', `${libUrl}/guidance/import`, ndjson(entry, { ...entry, external_id: LOW }), 'body.1.external_id', {
    contentType: 'application/x-ndjson',
  }),
  row('library policy with a lone surrogate', 'POST', '/v1/libraries', { name: 'surrogate-policy', policy: HIGH }, 'body.policy'),
  // Integers beyond 32 bits
  row('restore version 2^31', 'POST', `${entryUrl}/restore`, { version: 2 ** 31 }, 'body.version', { message: /must be <= 2147483647/ }),
  row('restore version 10^12', 'POST', `${entryUrl}/restore`, { version: 1e12 }, 'body.version'),
  row('restore version 2^63', 'POST', `${entryUrl}/restore`, { version: 2 ** 63 }, 'body.version'),
  row('restore version 1e308', 'POST', `${entryUrl}/restore`, { version: 1e308 }, 'body.version'),
  row('PATCH expected_version 2^31', 'PATCH', entryUrl, { guidance: 'x', expected_version: 2 ** 31 }, 'body.expected_version'),
  row('completions max_tokens 2^31', 'POST', '/v1/chat/completions', { model: 'm', messages: conversation, max_tokens: 2 ** 31 }, 'body.max_tokens'),
  row('completions max_completion_tokens 2^53', 'POST', '/v1/chat/completions', { model: 'm', messages: conversation, max_completion_tokens: 2 ** 53 }, 'body.max_completion_tokens'),
  row('completions seed 2^63', 'POST', '/v1/chat/completions', { model: 'm', messages: conversation, seed: 2 ** 63 }, 'body.seed'),
  row('completions seed -2^63', 'POST', '/v1/chat/completions', { model: 'm', messages: conversation, seed: -(2 ** 63) }, 'body.seed'),
  // Bodies nested too deep
  row('JSON body nested 10,000 deep', 'POST', `${libUrl}/guidance`, `{"scenario":"s","guidance":"g","provenance":${nested(10_000)}}`, 'body', {
    contentType: 'application/json',
    message: /deeper than 64/,
  }),
  row('JSON body nested 900 deep', 'POST', `${libUrl}/guidance`, `{"scenario":"s","guidance":"g","provenance":${nested(900)}}`, 'body', { contentType: 'application/json' }),
  row('JSON array nested 65 deep', 'POST', '/v1/libraries', '['.repeat(65) + ']'.repeat(65), 'body', { contentType: 'application/json', message: /deeper than 64/ }),
  row('JSONL line nested 10,000 deep', 'POST', `${libUrl}/guidance/import`, ndjson(entry, `{"scenario":"s","guidance":"g","provenance":${nested(10_000)}}`), 'body', {
    contentType: 'application/x-ndjson',
    message: /line 2 nests deeper than 64/,
  }),
  // Framework errors in the documented shape
  row('path parameter over the router limit', 'GET', `/v1/libraries/${'x'.repeat(5_000)}`, undefined, 'url', { status: 414 }),
  row('bad percent-encoding in the path', 'GET', '/v1/libraries/%FF%FE', undefined, 'url', { message: /percent-encod/ }),
  // Enums list their allowed values
  row('guidance status outside the enum', 'POST', `${libUrl}/guidance`, { ...entry, status: 'live' }, 'body.status', { message: /^body\.status must be one of draft, approved, retired$/ }),
  row('guidance PATCH status outside the enum', 'PATCH', entryUrl, { status: 'gone' }, 'body.status', { message: /must be one of draft, approved, retired$/ }),
  row('key role outside the enum', 'POST', '/v1/keys', { name: 'k', role: 'root' }, 'body.role', { message: /must be one of admin, teacher, student$/ }),
  row('compose message role outside the enum', 'POST', `${libUrl}/compose`, { messages: [{ role: 'robot', content: 'hi' }] }, 'body.messages.0.role', {
    message: /must be one of system, user, assistant, tool$/,
  }),
  row('completions message role outside the enum', 'POST', '/v1/chat/completions', { model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'body.messages.0.role', {
    message: /must be one of system, developer, user, assistant, tool$/,
  }),
  row('review decision outside the enum', 'POST', `${entryUrl}/review`, { decision: 'maybe', reason: 'r' }, 'body.decision', { message: /must be one of approve, reject$/ }),
  row('teach kind outside the enum', 'POST', `${libUrl}/teach`, { kind: 'lectures' }, 'body.kind', { message: /must be one of scenarios, transcripts, validate$/ }),
  row('external_id neither a string nor null', 'POST', `${libUrl}/guidance`, { ...entry, external_id: 7 }, 'body.external_id', { message: /^body\.external_id must be string or null$/ }),
  // Unknown query parameters
  row('unknown query parameter on GET /v1/libraries', 'GET', '/v1/libraries?include=all', undefined, 'query.include', { message: /unknown field/ }),
  row('unknown query parameter on GET /v1/libraries/{id}', 'GET', `${libUrl}?expand=1`, undefined, 'query.expand'),
  row('unknown query parameter on the guidance list', 'GET', `${libUrl}/guidance?sort=desc`, undefined, 'query.sort', { message: /unknown field/ }),
  row('unknown query parameter on the guidance export', 'GET', `${libUrl}/guidance/export?format=csv`, undefined, 'query.format'),
  row('unknown query parameter on GET /v1/traces', 'GET', '/v1/traces?conversation_id=c-1&order=desc', undefined, 'query.order'),
  row('unknown query parameter on GET /v1/keys', 'GET', '/v1/keys?all=1', undefined, 'query.all'),
  row('unknown query parameter on GET /v1/models', 'GET', '/v1/models?owned_by=me', undefined, 'query.owned_by'),
  row('unknown query parameter on retire', 'DELETE', `${entryUrl}?force=true`, undefined, 'query.force'),
  row('unknown query parameter on a POST', 'POST', '/v1/libraries?dry_run=1', { name: 'dry' }, 'query.dry_run'),
];

/** The documented error shape: `{error: {code, message, details, request_id}}` with nothing else. */
function checkShape(t: Test, res: { statusCode: number; headers: Record<string, unknown>; body: string }): { code: string; message: string; details: unknown } {
  let body: { error: { code: string; message: string; details: unknown; request_id: string } };
  try {
    body = JSON.parse(res.body);
  } catch {
    t.fail(`${res.statusCode} body is not JSON: ${res.body.slice(0, 200)}`);
    return { code: '', message: '', details: undefined };
  }
  t.match(String(res.headers['content-type']), /^application\/json/, 'answered as JSON');
  t.same(Object.keys(body), ['error'], 'only an error object');
  t.same(Object.keys(body.error ?? {}).sort(), ['code', 'details', 'message', 'request_id'], `every key present: ${res.body.slice(0, 300)}`);
  t.ok(Value.Check(ErrorBody, body), 'matches the ErrorBody schema');
  t.equal(body.error?.request_id, res.headers['x-request-id'], 'request_id is the x-request-id header');
  return body.error ?? { code: '', message: '', details: undefined };
}

t.test('each kind of bad input is a 400 validation_error naming the field, never a 500', async (t) => {
  t.ok(ROWS.length >= 46, `${ROWS.length} kinds of bad request`);
  for (const r of ROWS) {
    await t.test(r.name, async (t) => {
      const headers = { ...admin, ...(r.contentType === undefined ? {} : { 'content-type': r.contentType }) };
      const payload = r.payload as InjectOptions['payload'];
      const res = await app.inject({ method: r.method, url: r.url, headers, ...(payload === undefined ? {} : { payload }) });
      const status = r.status ?? 400;
      t.equal(res.statusCode, status, `${r.method} ${r.url.slice(0, 80)} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      const error = checkShape(t, res);
      t.equal(error.code, status === 400 ? 'validation_error' : 'uri_too_long');
      t.ok(Array.isArray(error.details), 'details lists the problems');
      const fields = Array.isArray(error.details) ? (error.details as { field: string }[]).map((d) => d.field) : [];
      t.same(fields, [r.field], `names ${r.field} and only it`);
      t.ok(error.message.startsWith(`${r.field} `), `message names the field: ${error.message.slice(0, 200)}`);
      if (r.message !== undefined) t.match(error.message, r.message);
      t.notMatch(error.message, /must be equal to constant|must match a schema in anyOf/);
      t.ok(error.message.length < 500, 'the message does not echo the request');
    });
  }
});

t.test('bad input never reached the database: the library and entry are unchanged', async (t) => {
  const library = (await app.inject({ method: 'GET', url: libUrl, headers: admin })).json();
  t.match(library, { name: lib.name, policy: 'Refunds within 30 days of delivery.' });
  const history = (await app.inject({ method: 'GET', url: `${entryUrl}/history`, headers: admin })).json();
  t.equal(history.items.length, 1, 'no version was written');
  const list = (await app.inject({ method: 'GET', url: '/v1/libraries', headers: admin })).json();
  t.equal(list.items.length, 1, 'no library was created');
});

t.test('what is near the limits is still accepted', async (t) => {
  const deep = await app.inject({
    method: 'POST',
    url: `${libUrl}/guidance`,
    headers: { ...admin, 'content-type': 'application/json' },
    payload: `{"scenario":"A deeply nested provenance","guidance":"Keep it.","provenance":${nested(63)}}`,
  });
  t.equal(deep.statusCode, 201, `a body 64 levels deep is fine: ${deep.body.slice(0, 200)}`);
  const pairs = await app.inject({
    method: 'POST',
    url: `${libUrl}/guidance`,
    headers: admin,
    payload: { scenario: 'Customer writes emoji 😀 and text with \\u0000 spelt out', guidance: 'Answer kindly. 👍', tags: ['emoji-😀'] },
  });
  t.equal(pairs.statusCode, 201, 'paired surrogates (emoji) are fine');
  t.equal(pairs.json().entry.tags[0], 'emoji-😀');
  const restore = await app.inject({ method: 'POST', url: `${entryUrl}/restore`, headers: admin, payload: { version: 2 ** 31 - 1 } });
  t.equal(restore.statusCode, 404, 'the largest 32-bit version is a valid request (there is no such version)');
  const knownQuery = await app.inject({ method: 'GET', url: `${libUrl}/guidance?limit=1&status=approved,draft&q=refund`, headers: admin });
  t.equal(knownQuery.statusCode, 200, 'documented query parameters still work');
});

t.test('errors from every layer have the documented shape', async (t) => {
  const student = await createKey(app, { role: 'student' });
  const json = { ...admin, 'content-type': 'application/json' };
  const cases: { name: string; request: InjectOptions; status: number; code: string }[] = [
    { name: 'no API key', request: { method: 'GET', url: '/v1/libraries' }, status: 401, code: 'unauthorized' },
    { name: 'malformed Authorization', request: { method: 'GET', url: '/v1/libraries', headers: { authorization: 'Basic x' } }, status: 401, code: 'unauthorized' },
    { name: 'role not allowed', request: { method: 'POST', url: '/v1/keys', headers: bearer(student.key), payload: { name: 'k', role: 'student' } }, status: 403, code: 'forbidden' },
    { name: 'unknown route', request: { method: 'GET', url: '/v1/nothing-here', headers: admin }, status: 404, code: 'not_found' },
    { name: 'unknown library', request: { method: 'GET', url: '/v1/libraries/00000000-0000-4000-8000-000000000000', headers: admin }, status: 404, code: 'not_found' },
    { name: 'wrong method', request: { method: 'PUT', url: '/v1/keys', headers: admin }, status: 405, code: 'method_not_allowed' },
    { name: 'duplicate library name', request: { method: 'POST', url: '/v1/libraries', headers: admin, payload: { name: lib.name } }, status: 409, code: 'conflict' },
    { name: 'body over the limit', request: { method: 'POST', url: '/v1/libraries', headers: json, payload: `{"name":"${'x'.repeat(10_485_760)}"}` }, status: 413, code: 'payload_too_large' },
    { name: 'overlong path parameter', request: { method: 'GET', url: `/v1/libraries/${'x'.repeat(5_000)}`, headers: admin }, status: 414, code: 'uri_too_long' },
    { name: 'unsupported content type', request: { method: 'POST', url: '/v1/libraries', headers: { ...admin, 'content-type': 'application/xml' }, payload: '<name/>' }, status: 415, code: 'unsupported_media_type' },
    { name: 'malformed content type', request: { method: 'POST', url: '/v1/libraries', headers: { ...admin, 'content-type': '/;;' }, payload: '{}' }, status: 415, code: 'unsupported_media_type' },
    { name: 'bad JSON', request: { method: 'POST', url: '/v1/libraries', headers: json, payload: '{"name": ' }, status: 400, code: 'validation_error' },
    { name: 'empty JSON body', request: { method: 'POST', url: '/v1/libraries', headers: json, payload: '' }, status: 400, code: 'validation_error' },
    { name: 'prototype poisoning', request: { method: 'POST', url: '/v1/libraries', headers: json, payload: '{"name":"p","__proto__":{"x":1}}' }, status: 400, code: 'validation_error' },
    { name: 'bad JSONL line', request: { method: 'POST', url: `${libUrl}/guidance/import`, headers: { ...admin, 'content-type': 'application/x-ndjson' }, payload: '{"scenario":\n' }, status: 400, code: 'validation_error' },
    { name: 'bad URL encoding', request: { method: 'GET', url: '/v1/libraries/%FF%FE', headers: admin }, status: 400, code: 'validation_error' },
    { name: 'schema validation', request: { method: 'POST', url: '/v1/libraries', headers: admin, payload: { name: '' } }, status: 400, code: 'validation_error' },
    { name: 'domain validation', request: { method: 'POST', url: '/v1/feedback', headers: admin, payload: { rating: 5 } }, status: 400, code: 'validation_error' },
    { name: 'model not configured', request: { method: 'POST', url: `${libUrl}/chat`, headers: admin, payload: { messages: conversation } }, status: 503, code: 'student_model_not_configured' },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const res = await app.inject(c.request);
      t.equal(res.statusCode, c.status, `${res.statusCode} ${res.body.slice(0, 300)}`);
      const error = checkShape(t, res);
      t.equal(error.code, c.code);
      if (c.code === 'validation_error') t.ok(Array.isArray(error.details) && error.details.length > 0, 'validation errors list {field, message}');
      t.ok(error.message.length < 500, 'the message does not echo the request');
    });
  }
});

t.test('errors Node answers before Fastify sees a request have the documented shape too', async (t) => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
      let data = '';
      socket.on('data', (chunk) => (data += chunk));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
  for (const [name, request, status] of [
    ['a URL over the header size limit', `GET /v1/libraries/${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ['a malformed request line', 'GARBAGE\r\n\r\n', 400],
  ] as const) {
    const answer = await raw(request);
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    t.match(head, new RegExp(`^HTTP/1.1 ${status} `), `${name}: ${head.split('\r\n')[0]}`);
    const error = JSON.parse(body).error;
    t.same(Object.keys(error).sort(), ['code', 'details', 'message', 'request_id'], `${name}: every key present`);
    t.ok(Value.Check(ErrorBody, { error }), `${name}: matches the ErrorBody schema`);
    t.notMatch(body, /xxxxxxxxxx/, `${name}: the URL is not echoed`);
  }
});

t.test('every integer a request can carry has a 32-bit maximum', async (t) => {
  const spec = app.swagger() as { paths: Record<string, Record<string, { parameters?: { name: string; schema: unknown }[]; requestBody?: { content: Record<string, { schema: unknown }> } }>> };
  const components = (app.swagger() as { components: { schemas: Record<string, unknown> } }).components.schemas;
  const unbounded: string[] = [];
  const walk = (schema: unknown, where: string, seen: Set<unknown>): void => {
    if (schema === null || typeof schema !== 'object' || seen.has(schema)) return;
    seen.add(schema);
    const s = schema as Record<string, unknown>;
    if (typeof s.$ref === 'string') return walk(components[s.$ref.split('/').pop()!], where, seen);
    if (s.type === 'integer' && !(typeof s.maximum === 'number' && s.maximum <= 2 ** 31 - 1)) unbounded.push(where);
    for (const [key, value] of Object.entries(s)) {
      if (key === 'properties') for (const [name, sub] of Object.entries(value as object)) walk(sub, `${where}.${name}`, seen);
      else if (typeof value === 'object') walk(value, where, seen);
    }
  };
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      for (const p of op.parameters ?? []) walk(p.schema, `${method.toUpperCase()} ${path} ${p.name}`, new Set());
      for (const c of Object.values(op.requestBody?.content ?? {})) walk(c.schema, `${method.toUpperCase()} ${path} body`, new Set());
    }
  }
  t.same(unbounded, [], 'integers without a maximum ≤ 2^31-1');
});
