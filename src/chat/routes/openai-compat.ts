import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ValidationError } from '../../errors.js';
import { abandonIfClientGone, clientSignal } from '../../http/client-signal.js';
import { sendEventStream, sseEvent } from '../../http/event-stream.js';
import { checkedConversation, checkedTools } from '../../http/message-schema.js';
import { errorResponses, json } from '../../http/schemas.js';
import type { Libraries } from '../../library/libraries.js';
import type { Library } from '../../library/types.js';
import type { ChatMessage, FieldProblem } from '../../messages.js';
import type { CompletionParams, ResponseFormat } from '../../models/chat-model.js';
import type { ModelRegistry } from '../../models/model-registry.js';
import type { ChatService, ChatStream } from '../chat-service.js';
import type { LibraryResolver } from '../library-resolver.js';
import type { GuidanceRef } from '../types.js';
import { STUDENT_ERRORS } from './chat-schemas.js';
import {
  type CoachField,
  Completion,
  COMPLETION_STREAM,
  CompletionsBody,
  CompletionsHeaders,
  ModelList,
  type OpenAIMessage,
} from './openai-schemas.js';
import { setProvenanceHeaders } from './provenance.js';

/*
 * OpenAI-compatible surface, so a frontend adopts Coach by changing its base URL. The library is
 * the `X-Coach-Library` header (id or name) when given, else the `model` field (library name or
 * id); the student model itself is the service's STUDENT_MODEL, never the caller's choice.
 */

const TEXT_ONLY = 'is not supported: the student reads and writes text only';

/** Text parts joined; any other part (image, audio, file) is a problem naming it. */
function text(content: OpenAIMessage['content'], field: string, problems: FieldProblem[]): string | null {
  if (content === undefined || content === null || typeof content === 'string') return content ?? null;
  content.forEach((part, i) => {
    if (part.type !== 'text') problems.push({ field: `${field}.${i}.type`, message: `${part.type} parts are not supported: only text parts` });
    else if (part.text === undefined) problems.push({ field: `${field}.${i}.text`, message: 'is required in a text part' });
  });
  return content.map((part) => part.text ?? '').join('');
}

/** The messages in Coach's form: developer messages are system ones, content parts text. */
function conversation(messages: OpenAIMessage[]): ChatMessage[] {
  const problems: FieldProblem[] = [];
  const converted = messages.map(({ role, content, ...rest }, i) => ({
    ...rest,
    role: role === 'developer' ? ('system' as const) : role,
    content: text(content, `body.messages.${i}.content`, problems),
  }));
  if (problems.length > 0) throw ValidationError.fields(problems);
  return checkedConversation(converted, 'body.messages');
}

/** Every request field the student gets as sent, once the ones Coach cannot serve are refused. */
function completionParams(body: CompletionsBody): CompletionParams {
  const problems: FieldProblem[] = [];
  body.modalities?.forEach((modality, i) => {
    if (modality !== 'text') problems.push({ field: `body.modalities.${i}`, message: `${modality} output ${TEXT_ONLY}` });
  });
  if (body.audio !== undefined) problems.push({ field: 'body.audio', message: TEXT_ONLY });
  const format = body.response_format;
  if (format?.type === 'json_schema' && format.json_schema === undefined) problems.push({ field: 'body.response_format.json_schema', message: 'is required with type json_schema' });
  if (format !== undefined && format.type !== 'json_schema' && format.json_schema !== undefined) {
    problems.push({ field: 'body.response_format.json_schema', message: 'is only for type json_schema' });
  }
  if (problems.length > 0) throw ValidationError.fields(problems);
  const { temperature, top_p, max_tokens, max_completion_tokens, stop, presence_penalty, frequency_penalty, seed, user } = body;
  const { tool_choice, parallel_tool_calls, logprobs, top_logprobs, metadata, reasoning_effort } = body;
  return {
    temperature, top_p, max_tokens, max_completion_tokens, stop, presence_penalty, frequency_penalty, seed, user,
    tools: checkedTools(body), tool_choice, parallel_tool_calls,
    response_format: format as ResponseFormat | undefined,
    logprobs, top_logprobs, metadata, reasoning_effort,
  };
}

const unixNow = () => Math.floor(Date.now() / 1000);

function provenance(traceId: string, library: Library, guidance: GuidanceRef[], retrievalStatus: 'ok' | 'failed'): CoachField {
  return { trace_id: traceId, library_id: library.id, library: library.name, guidance, retrieval_status: retrievalStatus };
}

async function* completionChunks(stream: ChatStream, library: Library, includeUsage: boolean): AsyncGenerator<string> {
  const base = { id: `chatcmpl-${stream.traceId}`, object: 'chat.completion.chunk', created: unixNow(), model: stream.model };
  yield sseEvent({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
  for await (const event of stream.events) {
    if (event.type === 'delta') {
      const { content, refusal, toolCalls, logprobs } = event;
      const tool_calls = toolCalls?.map(({ index, id, name, arguments: args }) =>
        // The piece that opens a call names it, as OpenAI's does; later ones carry only more arguments.
        id === undefined ? { index, function: { arguments: args ?? '' } } : { index, id, type: 'function', function: { name: name ?? '', arguments: args ?? '' } },
      );
      const delta = { content, refusal, tool_calls };
      yield sseEvent({ ...base, choices: [{ index: 0, delta, logprobs: logprobs ?? null, finish_reason: null }] });
    } else if (event.type === 'done') {
      const coach = provenance(stream.traceId, library, stream.guidance, stream.retrieval.status);
      const finished = { ...base, model: event.model };
      yield sseEvent({ ...finished, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: event.finishReason }], coach });
      if (includeUsage && event.usage !== null) yield sseEvent({ ...finished, choices: [], usage: event.usage });
      yield sseEvent('[DONE]');
    } else {
      // The SDK raises an APIError for a chunk carrying `error`, as it does for OpenAI's own.
      yield sseEvent({ error: { code: event.code, message: event.message, type: 'server_error' }, coach: { trace_id: stream.traceId } });
    }
  }
}

interface OpenAICompatDeps {
  libraries: Libraries;
  resolver: LibraryResolver;
  models: ModelRegistry;
  chat: ChatService;
}

export const openaiCompatRoutes = ({ libraries, resolver, models, chat }: OpenAICompatDeps): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/v1/chat/completions',
    {
      schema: {
        operationId: 'createChatCompletion',
        tags: ['chat'],
        summary: 'OpenAI-compatible chat completion through a library (point an OpenAI client at Coach)',
        description:
          'The library is the X-Coach-Library header (id or name) when given, else `model` (library name or id). Provenance: the `coach` ' +
          'field and headers x-coach-trace-id, x-coach-guidance. The conversation id is the X-Coach-Conversation-Id header or `conversation_id`.',
        headers: CompletionsHeaders,
        body: CompletionsBody,
        response: {
          200: {
            description: 'A chat.completion, or with stream: true an event stream of chat.completion.chunk',
            content: { 'application/json': { schema: Completion }, 'text/event-stream': { schema: Type.String({ description: COMPLETION_STREAM }) } },
          },
          ...errorResponses({ 404: "No library of that name or id among the key's libraries", ...STUDENT_ERRORS }),
        },
      },
    },
    async (request, reply) => {
      const { body, headers } = request;
      const library = await resolver.resolve(request.principal, headers['x-coach-library'] ?? body.model);
      const turn = {
        library,
        keyId: request.principal.keyId,
        endpoint: 'chat.completions' as const,
        messages: conversation(body.messages),
        conversationId: headers['x-coach-conversation-id'] ?? body.conversation_id ?? null,
        retrieval: { k: body.k, min_score: body.min_score },
        stream: body.stream === true,
        params: completionParams(body),
        signal: clientSignal(reply),
      };
      try {
        if (turn.stream) {
          const stream = await chat.stream(turn);
          setProvenanceHeaders(reply, stream.traceId, stream.guidance);
          return sendEventStream(reply, completionChunks(stream, library, body.stream_options?.include_usage === true));
        }
        const answer = await chat.complete(turn);
        setProvenanceHeaders(reply, answer.traceId, answer.guidance);
        return {
          id: `chatcmpl-${answer.traceId}`,
          object: 'chat.completion' as const,
          created: unixNow(),
          model: answer.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant' as const, content: answer.content, refusal: answer.refusal, ...(answer.toolCalls.length === 0 ? {} : { tool_calls: answer.toolCalls }) },
              logprobs: answer.logprobs,
              finish_reason: answer.finishReason ?? 'stop',
            },
          ],
          usage: answer.usage ?? undefined,
          coach: provenance(answer.traceId, library, answer.guidance, answer.retrieval.status),
        };
      } catch (err) {
        return abandonIfClientGone(err, request, reply);
      }
    },
  );

  app.get(
    '/v1/models',
    {
      schema: {
        operationId: 'listModels',
        tags: ['chat'],
        summary: 'The libraries this key may chat with, as OpenAI models (id = library name)',
        response: { 200: json('A model per library this key may use', ModelList), ...errorResponses() },
      },
    },
    async (request) => {
      const studentModel = models.modelName('student');
      const visible = await libraries.list(request.principal);
      return {
        object: 'list' as const,
        data: visible.map((library) => ({
          id: library.name,
          object: 'model' as const,
          created: Math.floor(new Date(library.created_at).getTime() / 1000),
          owned_by: 'coach',
          coach: { library_id: library.id, student_model: studentModel },
        })),
      };
    },
  );
};
