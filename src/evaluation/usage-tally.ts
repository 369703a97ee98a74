import type { ModelRole } from '../config.js';
import type { Usage } from '../models/chat-model.js';
import type { UsageSink } from '../teacher/model-calls.js';

/** Who spent tokens in one conversation: the arm's agent, the simulated customer, the judge. */
export type UsageLabel = 'agent' | 'customer' | 'judge';

export interface LabelUsage {
  model: string;
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export type ConversationUsage = Partial<Record<UsageLabel, LabelUsage>>;

/**
 * Counts tokens in memory by label. ModelCalls reports the slot a call used (its structured calls
 * always use the teacher slot), so each sink maps slots to what the call was for.
 */
export class UsageTally {
  readonly usage: ConversationUsage = {};

  sink(labels: Record<ModelRole, UsageLabel>): UsageSink {
    return {
      add: async (role: ModelRole, model: string, usage: Usage | null) => {
        const label = labels[role];
        const entry = (this.usage[label] ??= { model, calls: 0, prompt_tokens: 0, completion_tokens: 0 });
        entry.calls += 1;
        entry.prompt_tokens += usage?.prompt_tokens ?? 0;
        entry.completion_tokens += usage?.completion_tokens ?? 0;
      },
    };
  }
}
