import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { abandonIfClientGone, clientSignal } from '../../http/client-signal.js';
import { checkedConversation, checkedTools } from '../../http/message-schema.js';
import { sendEventStream, sseEvent } from '../../http/event-stream.js';
import { errorResponses, json } from '../../http/schemas.js';
import type { ChatService, ChatStream } from '../chat-service.js';
import { CHAT_EVENT_STREAM, ChatBody, ChatResponse, ComposeBody, ComposeResponse, RETRIEVAL_FAILED, STUDENT_ERRORS } from './chat-schemas.js';
import { setProvenanceHeaders } from './provenance.js';

async function* chatEvents(stream: ChatStream): AsyncGenerator<string> {
  const { traceId: trace_id, guidance, retrieval } = stream;
  for await (const event of stream.events) {
    if (event.type === 'delta') {
      // Log probabilities stay on the OpenAI-compatible route, where clients know where to find them.
      const delta = { content: event.content, refusal: event.refusal, tool_calls: event.toolCalls };
      if (Object.values(delta).some((value) => value !== undefined)) yield sseEvent(delta, 'delta');
    } else if (event.type === 'done') {
      const { model, finishReason: finish_reason, usage, toolCalls: tool_calls } = event;
      yield sseEvent({ trace_id, guidance, usage, model, finish_reason, retrieval_status: retrieval.status, tool_calls }, 'done');
    } else yield sseEvent({ trace_id, error: { code: event.code, message: event.message } }, 'error');
  }
}

/** Composition and chat against one library, under /v1/libraries/:id; any key within its library scope. */
export const chatRoutes = (chat: ChatService): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/compose',
    {
      schema: {
        operationId: 'composePrompt',
        tags: ['chat'],
        summary: "The student's prompt for a conversation, without calling a model (for frontends with their own model)",
        description: 'Recorded as a trace, so feedback on the conversation counts for the guidance used.',
        body: ComposeBody,
        response: {
          200: json("The student's prompt, the guidance in it and the guidance left out, and the trace it was recorded as", ComposeResponse),
          ...errorResponses({ 503: RETRIEVAL_FAILED }),
        },
      },
    },
    async (request) => {
      const { messages, conversation_id, k, min_score, tool_choice, parallel_tool_calls } = request.body;
      const tools = checkedTools(request.body);
      const { traceId, composition, retrieval } = await chat.compose({
        library: request.library,
        keyId: request.principal.keyId,
        endpoint: 'compose',
        messages: checkedConversation(messages, 'body.messages'),
        conversationId: conversation_id ?? null,
        retrieval: { k, min_score },
        stream: false,
        params: { tools, tool_choice, parallel_tool_calls },
      });
      return {
        trace_id: traceId,
        messages: composition.messages,
        guidance: composition.used,
        dropped_guidance: composition.dropped,
        guidance_tokens: composition.guidanceTokens,
        retrieval_status: retrieval.status,
        tools: request.body.tools,
        tool_choice,
        parallel_tool_calls,
      };
    },
  );

  app.post(
    '/chat',
    {
      schema: {
        operationId: 'chat',
        tags: ['chat'],
        summary: "The student's answer, shaped by the library's policy and retrieved guidance, with provenance",
        description: 'Headers x-coach-trace-id and x-coach-guidance (id:version, comma-separated) carry the provenance too.',
        body: ChatBody,
        response: {
          200: {
            description: 'The answer (JSON), or with stream: true an event stream',
            content: { 'application/json': { schema: ChatResponse }, 'text/event-stream': { schema: Type.String({ description: CHAT_EVENT_STREAM }) } },
          },
          ...errorResponses(STUDENT_ERRORS),
        },
      },
    },
    async (request, reply) => {
      const { messages, conversation_id, k, min_score, stream, tool_choice, parallel_tool_calls } = request.body;
      const tools = checkedTools(request.body);
      const turn = {
        library: request.library,
        keyId: request.principal.keyId,
        endpoint: 'chat' as const,
        messages: checkedConversation(messages, 'body.messages'),
        conversationId: conversation_id ?? null,
        retrieval: { k, min_score },
        stream: stream === true,
        params: { tools, tool_choice, parallel_tool_calls },
        signal: clientSignal(reply),
      };
      try {
        if (turn.stream) {
          const stream = await chat.stream(turn);
          setProvenanceHeaders(reply, stream.traceId, stream.guidance);
          return sendEventStream(reply, chatEvents(stream));
        }
        const answer = await chat.complete(turn);
        setProvenanceHeaders(reply, answer.traceId, answer.guidance);
        return {
          message: { role: 'assistant' as const, content: answer.content, ...(answer.toolCalls.length === 0 ? {} : { tool_calls: answer.toolCalls }) },
          guidance: answer.guidance,
          trace_id: answer.traceId,
          usage: answer.usage,
          model: answer.model,
          finish_reason: answer.finishReason,
          retrieval_status: answer.retrieval.status,
        };
      } catch (err) {
        return abandonIfClientGone(err, request, reply);
      }
    },
  );
};
