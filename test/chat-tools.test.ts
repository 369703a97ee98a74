import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import t from 'tap';
import { bearer, createKey, testApp } from './helpers/app.js';
import { parseEventStream, studentEnv } from './helpers/chat.js';
import { FakeOpenAI } from './helpers/fake-openai.js';
import { createLibrary, importEntries } from './helpers/library.js';
import { cancelRequest, LOOKUP_ENTRIES, ORDER_TOOLS } from './helpers/tools.js';

type Messages = OpenAI.Chat.ChatCompletionMessageParam[];

interface CoachProvenance {
  trace_id: string;
  guidance: { id: string; version: number; score: number }[];
}

const coachOf = (value: unknown) => (value as { coach?: CoachProvenance }).coach;

/** Coach on a real port with the official client pointed at it, a fake student behind it. */
async function setup(t: { teardown(fn: () => unknown): void }) {
  const fake = await FakeOpenAI.start(t);
  const { app } = await testApp(t, { env: studentEnv(fake) });
  const lib = await createLibrary(app, { policy: 'Only pending orders can be cancelled.' });
  const { ids } = await importEntries(app, lib.id, LOOKUP_ENTRIES);
  const { key } = await createKey(app, { role: 'student', library_ids: [lib.id] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`, apiKey: key, maxRetries: 0, timeout: 10_000 });
  const trace = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/traces/${id}`, headers: bearer(key) })).json();
  return { fake, app, lib, ids, key, client, trace };
}

const lookup = { id: 'call_1', name: 'get_order_details', arguments: '{"order_id":"W2378156"}' };
const lookupResult = JSON.stringify({ order_id: 'W2378156', status: 'pending' });

t.test('the openai client completes a tool-calling round trip through Coach: call, result, answer', async (t) => {
  const { fake, lib, ids, client, trace } = await setup(t);
  fake.script({ type: 'reply', content: null, toolCalls: [lookup] }, { type: 'reply', content: 'It is still pending: shall I cancel it?' });
  const messages: Messages = [...cancelRequest];

  const first = await client.chat.completions.create({ model: lib.name, messages, tools: ORDER_TOOLS, tool_choice: 'auto', parallel_tool_calls: false });
  const choice = first.choices[0]!;
  t.equal(choice.finish_reason, 'tool_calls');
  t.equal(choice.message.content, null);
  t.same(choice.message.tool_calls, [{ id: 'call_1', type: 'function', function: { name: 'get_order_details', arguments: '{"order_id":"W2378156"}' } }]);
  const sent = fake.requests[0]!.body;
  t.same(sent.tools, ORDER_TOOLS, 'the student sees exactly the tools sent, strict included');
  t.equal(sent.tool_choice, 'auto');
  t.equal(sent.parallel_tool_calls, false);
  t.equal(coachOf(first)!.guidance[0]!.id, ids[0], 'before the lookup: the before-note');

  messages.push(choice.message, { role: 'tool', tool_call_id: 'call_1', content: lookupResult });
  const second = await client.chat.completions.create({ model: lib.name, messages, tools: ORDER_TOOLS });
  t.equal(second.choices[0]!.message.content, 'It is still pending: shall I cancel it?');
  t.equal(second.choices[0]!.finish_reason, 'stop');
  const resent = fake.requests[1]!.body.messages!;
  t.same(resent.slice(1), messages.slice(1), "the assistant's tool calls and the tool result reach the student unchanged");
  t.match(resent[0]!.content, /Tell the customer the status you found/, 'after the lookup: the after-note is in the prompt');
  t.notMatch(resent[0]!.content, /before promising anything/, 'and the before-note is not');

  const calling = await trace(coachOf(first)!.trace_id);
  t.same(calling.tools.offered, ['get_order_details', 'cancel_pending_order']);
  t.same(calling.tools.calls, [{ id: 'call_1', type: 'function', function: { name: 'get_order_details', arguments: '{"order_id":"W2378156"}' } }]);
  t.equal(calling.finish_reason, 'tool_calls');
  t.same(calling.tools.named_by_guidance, { [ids[0]!]: ['get_order_details'] });
  const answering = await trace(coachOf(second)!.trace_id);
  t.same(answering.tools.results, [{ tool_call_id: 'call_1', name: 'get_order_details', content: lookupResult }]);
  t.same(answering.tools.calls, []);
});

t.test('streamed, tool calls arrive as OpenAI sends them and the SDK assembles them; provenance on the finish chunk', async (t) => {
  const { fake, lib, client } = await setup(t);
  const cancel = { id: 'call_2', name: 'cancel_pending_order', arguments: '{"order_id":"W2378156","reason":"no longer needed"}', argumentChunks: ['{"order_id":', '"W2378156",', '"reason":"no longer needed"}'] };
  fake.script({ type: 'reply', content: 'Cancelling now.', chunks: ['Cancelling ', 'now.'], toolCalls: [{ ...lookup, argumentChunks: ['{"order_', 'id":"W2378156"}'] }, cancel] });
  const stream = await client.chat.completions.create({ model: lib.name, messages: [...cancelRequest], tools: ORDER_TOOLS, stream: true });
  const pieces: OpenAI.Chat.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
  let text = '';
  let finish: string | null = null;
  let coach: CoachProvenance | undefined;
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta;
    text += delta?.content ?? '';
    pieces.push(...(delta?.tool_calls ?? []));
    if (chunk.choices[0]?.finish_reason) {
      finish = chunk.choices[0].finish_reason;
      coach = coachOf(chunk);
    }
  }
  t.equal(text, 'Cancelling now.');
  t.equal(finish, 'tool_calls');
  t.ok(coach?.trace_id, 'the finish chunk carries the coach field');
  t.match(pieces[0], { index: 0, id: 'call_1', type: 'function', function: { name: 'get_order_details' } }, 'the first piece of a call names it');
  t.same(pieces.filter((p) => p.index === 1).map((p) => p.function?.arguments ?? ''), ['', ...cancel.argumentChunks], 'then its arguments arrive piece by piece');
  t.notOk(pieces.slice(1).some((p) => p.index === 0 && p.id !== undefined), 'later pieces carry no id');
  t.equal(fake.requests[0]!.body.stream, true);

  fake.script({ type: 'reply', content: null, toolCalls: [cancel] });
  const helper = client.chat.completions.stream({ model: lib.name, messages: [...cancelRequest], tools: ORDER_TOOLS });
  const final = await helper.finalChatCompletion();
  t.match(final.choices[0]!.message.tool_calls, [{ id: 'call_2', type: 'function', function: { name: 'cancel_pending_order', arguments: cancel.arguments } }], "the SDK's stream helper assembles the same call");
});

t.test('response_format and the other request fields reach the student as sent; logprobs come back', async (t) => {
  const { fake, lib, client } = await setup(t);
  const logprobs = { content: [{ token: '{', logprob: -0.01, bytes: [123], top_logprobs: [] }], refusal: null };
  fake.script({ type: 'reply', content: '{"answer":"pending"}', logprobs });
  const responseFormat = {
    type: 'json_schema' as const,
    json_schema: { name: 'order_answer', strict: true, schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false } },
  };
  const fields = {
    response_format: responseFormat,
    stop: ['\n\n'],
    seed: 7,
    max_completion_tokens: 300,
    logprobs: true,
    top_logprobs: 2,
    metadata: { ticket: 'T-1' },
    user: 'customer-42',
    reasoning_effort: 'low' as const,
  };
  const messages: Messages = [{ role: 'developer', content: 'Answer in JSON.' }, { role: 'user', content: 'Where is my order?', name: 'Ana' }];
  const answer = await client.chat.completions.create({ model: lib.name, messages, ...fields });
  t.match(fake.requests[0]!.body, fields);
  t.same(fake.requests[0]!.body.messages!.slice(1), [{ role: 'user', content: 'Where is my order?', name: 'Ana' }], 'name is passed on');
  t.same(answer.choices[0]!.logprobs, logprobs);
  t.equal(answer.choices[0]!.message.content, '{"answer":"pending"}');

  fake.script({ type: 'reply', content: '{}' });
  await client.chat.completions.create({ model: lib.name, messages, response_format: { type: 'json_object' } });
  t.same(fake.requests[1]!.body.response_format, { type: 'json_object' });
});

t.test('bad tool shapes and unsupported fields get 400 naming the field', async (t) => {
  const { app, lib, key, client } = await setup(t);
  const post = (body: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/v1/chat/completions', headers: bearer(key), payload: { model: lib.name, messages: cancelRequest, ...body } });
  const badTool = (fn: object) => ({ tools: [{ type: 'function', function: fn }] });
  const cases: [string, Record<string, unknown>, string][] = [
    ['a tool name with a space', badTool({ name: 'get order' }), 'body.tools.0.function.name'],
    ['a tool without a name', badTool({ description: 'x' }), 'body.tools.0.function.name'],
    ['a custom tool', { tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'body.tools.0.type'],
    ['two tools of one name', { tools: [ORDER_TOOLS[0], ORDER_TOOLS[0]] }, 'body.tools.1.function.name'],
    ['a forced tool that is not given', { tools: ORDER_TOOLS, tool_choice: { type: 'function', function: { name: 'refund' } } }, 'body.tool_choice.function.name'],
    ['a tool choice without tools', { tool_choice: 'required' }, 'body.tool_choice'],
    ['parallel tool calls without tools', { parallel_tool_calls: true }, 'body.parallel_tool_calls'],
    ['a tool message without tool_call_id', { messages: [...cancelRequest, { role: 'tool', content: '{}' }] }, 'body.messages.2.tool_call_id'],
    [
      'an assistant tool call without id',
      { messages: [...cancelRequest, { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'get_order_details', arguments: '{}' } }] }] },
      'body.messages.2.tool_calls.0.id',
    ],
    ['a tool result answering no call', { messages: [...cancelRequest, { role: 'tool', tool_call_id: 'call_9', content: '{}' }] }, 'body.messages.2.tool_call_id'],
    ['n above 1', { n: 2 }, 'body.n'],
    ['audio output', { modalities: ['text', 'audio'] }, 'body.modalities.1'],
    ['audio parameters', { audio: { voice: 'alloy', format: 'mp3' } }, 'body.audio'],
    ['an image part', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }, 'body.messages.0.content.0.type'],
    ['an audio part', { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA==', format: 'wav' } }] }] }, 'body.messages.0.content.0.type'],
    ['a response format of another type', { response_format: { type: 'xml' } }, 'body.response_format.type'],
  ];
  for (const [what, body, field] of cases) {
    const res = await post(body);
    t.equal(res.statusCode, 400, `${what}: ${res.body}`);
    t.equal(res.json().error.details[0].field, field, what);
  }
  t.equal((await post({ n: 1, modalities: ['text'] })).statusCode, 200, 'n: 1 and text-only output are what Coach gives anyway');

  const viaClient = await client.chat.completions
    .create({ model: lib.name, messages: [...cancelRequest], tools: [{ type: 'function', function: { name: 'get order' } }] })
    .catch((e: unknown) => e);
  t.ok(viaClient instanceof OpenAI.BadRequestError);
  t.match((viaClient as Error).message, /body\.tools\.0\.function\.name/);
});

t.test("/chat and /compose take the same tool-shaped conversations; compose hands back the tools for the frontend's own call", async (t) => {
  const { fake, app, lib, key } = await setup(t);
  const conversation = [...cancelRequest, { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: lookup.name, arguments: lookup.arguments } }] }, { role: 'tool', tool_call_id: 'call_1', content: lookupResult }];
  const post = (path: string, payload: object) => app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/${path}`, headers: bearer(key), payload });

  const composed = await post('compose', { messages: conversation, tools: ORDER_TOOLS, tool_choice: 'required' });
  t.equal(composed.statusCode, 200, composed.body);
  const body = composed.json();
  t.same(body.messages.slice(1), conversation.slice(1), 'the conversation after the one system message, tool turns included');
  t.same(body.tools, ORDER_TOOLS);
  t.equal(body.tool_choice, 'required');
  t.match(body.messages[0].content, /Tell the customer the status you found/);
  t.same((await post('compose', { messages: cancelRequest })).json().tools, undefined, 'no tools given, none handed back');

  fake.script({ type: 'reply', content: null, toolCalls: [{ id: 'call_2', name: 'cancel_pending_order', arguments: '{"order_id":"W2378156"}' }] });
  const chat = await post('chat', { messages: conversation, tools: ORDER_TOOLS });
  t.equal(chat.statusCode, 200, chat.body);
  t.same(chat.json().message, { role: 'assistant', content: null, tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'cancel_pending_order', arguments: '{"order_id":"W2378156"}' } }] });
  t.equal(chat.json().finish_reason, 'tool_calls');
  t.same(fake.requests[0]!.body.tools, ORDER_TOOLS);

  fake.script({ type: 'reply', content: null, toolCalls: [{ id: 'call_2', name: 'cancel_pending_order', arguments: '{"order_id":"W2378156"}', argumentChunks: ['{"order_id":', '"W2378156"}'] }] });
  const streamed = await post('chat', { messages: conversation, tools: ORDER_TOOLS, stream: true });
  const events = parseEventStream(streamed.body);
  t.same(
    events.filter((e) => e.event === 'delta').map((e) => JSON.parse(e.data)),
    [
      { tool_calls: [{ index: 0, id: 'call_2', name: 'cancel_pending_order', arguments: '' }] },
      { tool_calls: [{ index: 0, arguments: '{"order_id":' }] },
      { tool_calls: [{ index: 0, arguments: '"W2378156"}' }] },
    ],
  );
  const done = JSON.parse(events.find((e) => e.event === 'done')!.data);
  t.equal(done.finish_reason, 'tool_calls');
  t.same(done.tool_calls, [{ id: 'call_2', type: 'function', function: { name: 'cancel_pending_order', arguments: '{"order_id":"W2378156"}' } }]);
});
