import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { CoachField } from '../../chat/routes/openai-schemas.js';
import { toModelError } from '../../models/model-errors.js';
import { agentReply, type AgentModel, type AgentReply } from './agent-model.js';
import type { ToolSchema } from './domain-data.js';

export interface CoachAgentOptions {
  /** The running Coach, e.g. http://127.0.0.1:8080. */
  coachUrl: string;
  apiKey: string;
  libraryId: string;
  /** The student model Coach serves (GET /v1/models), for the arm's cost. */
  studentModel: string;
  temperature: number;
  timeoutMs?: number;
  maxRetries?: number;
}

/**
 * The coach arm: the student exactly as production serves it, through Coach's OpenAI-compatible
 * /v1/chat/completions with the library as `model` and the domain's tools passed through. Coach
 * composes the library's policy and the guidance it retrieves for each turn, so the conversation is
 * sent without a system message; each reply says which entries were in its prompt.
 */
export class CoachAgent implements AgentModel {
  readonly model: string;
  readonly composesPolicy = true;
  private readonly client: OpenAI;

  constructor(private readonly options: CoachAgentOptions) {
    this.model = options.studentModel;
    this.client = new OpenAI({
      baseURL: `${options.coachUrl.replace(/\/+$/, '')}/v1`,
      apiKey: options.apiKey,
      timeout: options.timeoutMs ?? 120_000,
      maxRetries: options.maxRetries ?? 2,
    });
  }

  async reply(messages: ChatCompletionMessageParam[], tools: ToolSchema[], seed: number, signal?: AbortSignal, conversationId?: string): Promise<AgentReply> {
    try {
      const response = (await this.client.chat.completions.create(
        { model: this.options.libraryId, messages, tools, temperature: this.options.temperature, seed },
        {
          headers: conversationId === undefined ? undefined : { 'x-coach-conversation-id': conversationId },
          signal: signal === undefined ? undefined : AbortSignal.any([signal]),
        },
      )) as ChatCompletion & { coach?: CoachField };
      return {
        ...agentReply(response),
        guidance: (response.coach?.guidance ?? []).map((g) => `${g.id}:${g.version}`),
      };
    } catch (err) {
      throw toModelError(err, 'student', `${this.model} (through Coach, library ${this.options.libraryId})`);
    }
  }
}
