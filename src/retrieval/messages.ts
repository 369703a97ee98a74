/** A conversation turn in OpenAI chat shape: `user` is the customer, `assistant` the agent. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}
