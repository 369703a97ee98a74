import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionMessageFunctionToolCall, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ModelEndpointConfig } from '../../config.js';
import type { Usage } from '../../models/chat-model.js';
import { toModelError } from '../../models/model-errors.js';
import type { ToolSchema } from './domain-data.js';

export type ToolCall = ChatCompletionMessageFunctionToolCall;

export interface AgentReply {
  content: string | null;
  /** Function calls only; the tools are all functions. */
  toolCalls: ToolCall[];
  usage: Usage | null;
  /** The guidance entries (`id:version`) in the prompt, when the endpoint is a Coach that says so. */
  guidance?: string[];
}

/** The agent under evaluation: given the conversation and the tools, its next message. */
export interface AgentModel {
  readonly model: string;
  /**
   * The endpoint composes the policy itself (a Coach, from its library): the conversation is sent,
   * and recorded, without a system message.
   */
  readonly composesPolicy?: boolean;
  /** `conversationId` names the trial, for a Coach's traces. */
  reply(messages: ChatCompletionMessageParam[], tools: ToolSchema[], seed: number, signal?: AbortSignal, conversationId?: string): Promise<AgentReply>;
}

/**
 * An agent behind an OpenAI-compatible chat endpoint with function calling: a model server, or a
 * Coach serving a library at its own /v1/chat/completions. Upstream runs the agent at temperature 0.
 */
/** The agent's move from an OpenAI-compatible answer: its text, its function calls, its tokens. */
export function agentReply(response: ChatCompletion): AgentReply {
  const message = response.choices[0]?.message;
  const usage = response.usage;
  return {
    content: message?.content ?? null,
    toolCalls: (message?.tool_calls ?? []).filter((call): call is ToolCall => call.type === 'function'),
    usage: usage == null ? null : { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.total_tokens },
  };
}

export class OpenAIAgent implements AgentModel {
  readonly model: string;
  private readonly client: OpenAI;

  constructor(
    endpoint: ModelEndpointConfig,
    private readonly temperature: number,
  ) {
    this.model = endpoint.model;
    this.client = new OpenAI({ baseURL: endpoint.baseUrl, apiKey: endpoint.apiKey, timeout: endpoint.timeoutMs, maxRetries: endpoint.maxRetries });
  }

  async reply(messages: ChatCompletionMessageParam[], tools: ToolSchema[], seed: number, signal?: AbortSignal): Promise<AgentReply> {
    try {
      const response = await this.client.chat.completions.create(
        { model: this.model, messages, tools, temperature: this.temperature, seed },
        // A per-call signal: the SDK never removes the listener it adds (see ChatModel).
        { signal: signal === undefined ? undefined : AbortSignal.any([signal]) },
      );
      return agentReply(response);
    } catch (err) {
      throw toModelError(err, 'student', this.model);
    }
  }
}
