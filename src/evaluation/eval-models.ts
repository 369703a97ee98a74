import type { ModelEndpointConfig } from '../config.js';
import { ModelNotConfiguredError } from '../errors.js';
import { ChatModel } from '../models/chat-model.js';
import { AGENT_MODEL, type ArmName } from './arms.js';
import { SeededChatModel } from './seeded-model.js';

export interface EvalEndpoints {
  student?: ModelEndpointConfig;
  teacher?: ModelEndpointConfig;
  customer?: ModelEndpointConfig;
  judge?: ModelEndpointConfig;
  sft?: ModelEndpointConfig;
}

export class SftNotConfiguredError extends Error {
  constructor() {
    super('the sft arm needs a fine-tuned student: set SFT_BASE_URL and SFT_MODEL, or pass --sft-base-url and --sft-model');
    this.name = 'SftNotConfiguredError';
  }
}

/** The models a run needs, checked before any conversation starts so a missing role fails fast. */
export class EvalModels {
  readonly judge: ChatModel;

  constructor(
    private readonly endpoints: EvalEndpoints,
    arms: ArmName[],
  ) {
    for (const arm of arms) this.endpoint(AGENT_MODEL[arm]);
    this.endpoint('customer');
    this.judge = new ChatModel('teacher', this.endpoint('judge'));
  }

  /** The agent of an arm, sampling with the conversation's seed like the customer. */
  agent(arm: ArmName, seed: number): ChatModel {
    const which = AGENT_MODEL[arm];
    return new SeededChatModel(which === 'sft' ? 'student' : which, this.endpoint(which), seed);
  }

  customer(seed: number): ChatModel {
    return new SeededChatModel('customer', this.endpoint('customer'), seed);
  }

  /** Model names for the run manifest and the report. */
  names(arms: ArmName[]): Record<string, string> {
    const names: Record<string, string> = { customer: this.endpoint('customer').model, judge: this.judge.model };
    for (const arm of arms) names[`agent:${arm}`] = this.endpoint(AGENT_MODEL[arm]).model;
    return names;
  }

  private endpoint(role: keyof EvalEndpoints): ModelEndpointConfig {
    const endpoint = this.endpoints[role];
    if (endpoint !== undefined) return endpoint;
    if (role === 'sft') throw new SftNotConfiguredError();
    // The judge defaults to the teacher, so an unconfigured judge means an unconfigured teacher.
    throw new ModelNotConfiguredError(role === 'judge' ? 'teacher' : role);
  }
}
