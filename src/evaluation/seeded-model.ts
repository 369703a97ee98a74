import type { ModelEndpointConfig, ModelRole } from '../config.js';
import type { ChatMessage } from '../messages.js';
import { ChatModel, type Completion, type SamplingParams } from '../models/chat-model.js';

/**
 * A model whose every call carries the conversation's seed. The teacher's simulator calls models
 * without sampling parameters; this is how every arm meets the same customer for a given seed
 * (on servers that honour `seed`).
 */
export class SeededChatModel extends ChatModel {
  constructor(
    role: ModelRole,
    config: ModelEndpointConfig,
    private readonly seed: number,
  ) {
    super(role, config);
  }

  override complete(messages: ChatMessage[], params: SamplingParams = {}, signal?: AbortSignal): Promise<Completion> {
    return super.complete(messages, { seed: this.seed, ...params }, signal);
  }
}
