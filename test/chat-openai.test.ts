import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import t from 'tap';
import { createKey, testApp } from './helpers/app.js';
import { refundConversation, STUDENT_MODEL, studentEnv } from './helpers/chat.js';
import { FakeOpenAI } from './helpers/fake-openai.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';

type Messages = OpenAI.Chat.ChatCompletionMessageParam[];
const messages = refundConversation as Messages;

interface CoachProvenance {
  trace_id: string;
  library_id: string;
  library: string;
  guidance: { id: string; version: number; score: number }[];
  retrieval_status: string;
}

/** Coach listening on a real port, and the official client pointed at it with a Coach key. */
async function setup(t: { teardown(fn: () => unknown): void }, env?: Record<string, string>) {
  const fake = await FakeOpenAI.start(t);
  const { app } = await testApp(t, { env: env ?? studentEnv(fake) });
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const { key } = await createKey(app, { role: 'student', library_ids: [lib.id] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`, apiKey: key, maxRetries: 0, timeout: 10_000 });
  return { fake, app, lib, ids, client };
}

t.test('the openai client completes a chat through Coach and receives provenance', async (t) => {
  const { fake, lib, ids, client } = await setup(t);
  fake.script({ type: 'reply', content: 'Store credit is available.' });
  const { data, response } = await client.chat.completions.create({ model: lib.name, messages, temperature: 0.2, max_tokens: 200 }).withResponse();
  t.equal(data.object, 'chat.completion');
  t.equal(data.choices[0]!.message.content, 'Store credit is available.');
  t.equal(data.choices[0]!.finish_reason, 'stop');
  t.equal(data.model, STUDENT_MODEL);
  t.ok(data.usage!.total_tokens > 0);
  const coach = (data as unknown as { coach: CoachProvenance }).coach;
  t.match(coach, { library_id: lib.id, library: lib.name, retrieval_status: 'ok' });
  t.equal(coach.guidance[0]!.id, ids[0]);
  t.equal(response.headers.get('x-coach-trace-id'), coach.trace_id);
  t.equal(response.headers.get('x-coach-guidance')!.split(',')[0], `${ids[0]}:1`);
  t.match(fake.requests[0]!.body, { model: STUDENT_MODEL, temperature: 0.2, max_tokens: 200 }, 'sampling options pass through');
});

t.test('the openai client streams a chat through Coach; provenance in headers and the last chunks', async (t) => {
  const { fake, lib, ids, client } = await setup(t);
  fake.script({ type: 'reply', content: 'Store credit is available.', chunks: ['Store ', 'credit ', 'is available.'] });
  const { data: stream, response } = await client.chat.completions
    .create({ model: lib.name, messages, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  let text = '';
  let coach: CoachProvenance | undefined;
  let usage: OpenAI.CompletionUsage | undefined;
  let finish: string | null = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    coach = (chunk as unknown as { coach?: CoachProvenance }).coach ?? coach;
    usage = chunk.usage ?? usage;
  }
  t.equal(text, 'Store credit is available.');
  t.equal(finish, 'stop');
  t.ok(usage !== undefined && usage.total_tokens > 0, 'usage chunk with include_usage');
  t.equal(coach?.trace_id, response.headers.get('x-coach-trace-id'));
  t.equal(coach?.guidance[0]!.id, ids[0]);
  t.equal(fake.requests[0]!.body.stream, true);
});

t.test('X-Coach-Library picks the library whatever the model field says; /v1/models lists libraries', async (t) => {
  const { fake, lib, client } = await setup(t);
  fake.script({ type: 'reply', content: 'ok' });
  const data = await client.chat.completions.create(
    { model: 'anything', messages, stream: false },
    { headers: { 'X-Coach-Library': lib.id, 'X-Coach-Conversation-Id': 'conv-h' } },
  );
  t.equal((data as unknown as { coach: CoachProvenance }).coach.library_id, lib.id);
  const models = [];
  for await (const model of client.models.list()) models.push(model);
  t.same(models.map((m) => m.id), [lib.name], 'only the libraries this key may use');
  t.match(models[0], { object: 'model', owned_by: 'coach', coach: { library_id: lib.id, student_model: STUDENT_MODEL } });
});

t.test('errors reach the openai client with Coach status and code', async (t) => {
  const { fake, lib, client, app } = await setup(t);
  const outside = await createLibrary(app);
  const notFound = await client.chat.completions.create({ model: outside.name, messages }).catch((e: unknown) => e);
  t.ok(notFound instanceof OpenAI.NotFoundError, 'a library outside the key is not found');
  const invalid = await client.chat.completions.create({ model: lib.name, messages, temperature: 5 }).catch((e: unknown) => e);
  t.ok(invalid instanceof OpenAI.BadRequestError);
  t.match((invalid as Error).message, /body\.temperature/);
  const unsupported = await client.chat.completions.create({ model: lib.name, messages, n: 2 }).catch((e: unknown) => e);
  t.ok(unsupported instanceof OpenAI.BadRequestError, 'one choice only');
  t.match((unsupported as Error).message, /body\.n must be <= 1/);
  fake.script({ type: 'error', status: 500 });
  const upstream = (await client.chat.completions.create({ model: lib.name, messages }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
  t.equal(upstream.status, 502);
  t.equal(upstream.code, 'upstream_error');
});

t.test('without a student the openai client gets 503 student_model_not_configured', async (t) => {
  const { lib, client } = await setup(t, {});
  const err = (await client.chat.completions.create({ model: lib.name, messages }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
  t.equal(err.status, 503);
  t.equal(err.code, 'student_model_not_configured');
});
