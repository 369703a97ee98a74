import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { abandonIfClientGone, clientSignal } from '../../http/client-signal.js';
import { sendEventStream, sseEvent } from '../../http/event-stream.js';
import { errorResponses, json } from '../../http/schemas.js';
import type { Libraries } from '../../library/libraries.js';
import type { Library } from '../../library/types.js';
import type { ChatMessage } from '../../messages.js';
import type { SamplingParams } from '../../models/chat-model.js';
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

const text = (content: OpenAIMessage['content']) => (typeof content === 'string' ? content : content.map((part) => part.text).join(''));

function conversation(messages: OpenAIMessage[]): ChatMessage[] {
  return messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: text(m.content) }));
}

function samplingParams(body: CompletionsBody): SamplingParams {
  const { temperature, top_p, max_tokens, max_completion_tokens, stop, presence_penalty, frequency_penalty, seed } = body;
  const params = { temperature, top_p, max_tokens, max_completion_tokens, stop, presence_penalty, frequency_penalty, seed };
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
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
      yield sseEvent({ ...base, choices: [{ index: 0, delta: { content: event.content }, logprobs: null, finish_reason: null }] });
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
        k: body.k,
        stream: body.stream === true,
        params: samplingParams(body),
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
            { index: 0, message: { role: 'assistant' as const, content: answer.content, refusal: null }, logprobs: null, finish_reason: answer.finishReason ?? 'stop' },
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
