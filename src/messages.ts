/**
 * A conversation turn in OpenAI chat shape, as the service takes it in and sends it to models:
 * `user` is the customer, `assistant` the agent, leading `system` messages the application's instructions.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** An OpenAI tool result. Retrieval accepts conversations that hold them, and reads past them. */
export interface ToolMessage {
  role: 'tool';
  content: string;
}
