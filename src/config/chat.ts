import { ConfigError, integer, text, type Env } from './env.js';

export interface ChatConfig {
  /** fail: a retrieval error fails the turn (503); continue: answer with the policy alone, noted in the trace. */
  onRetrievalError: 'fail' | 'continue';
  /** Estimated tokens of coaching notes the composer may add to one prompt. */
  guidanceTokenBudget: number;
  /** Time from receiving a chat request to the end of its answer (the whole stream), retries included. */
  deadlineMs: number;
}

export function loadChatConfig(env: Env): ChatConfig {
  const onRetrievalError = text(env, 'CHAT_ON_RETRIEVAL_ERROR') ?? 'continue';
  if (onRetrievalError !== 'fail' && onRetrievalError !== 'continue') {
    throw new ConfigError('CHAT_ON_RETRIEVAL_ERROR', `must be "fail" or "continue", got "${onRetrievalError}"`);
  }
  return {
    onRetrievalError,
    guidanceTokenBudget: integer(env, 'CHAT_GUIDANCE_TOKEN_BUDGET', 2_000, 0, 1_000_000),
    deadlineMs: integer(env, 'CHAT_DEADLINE_MS', 120_000, 100, 3_600_000),
  };
}
