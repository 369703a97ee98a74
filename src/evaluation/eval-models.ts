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

/**
 * The roles that grade or play the customer and are the teacher model (by model name, wherever it
 * is served): a judge that is the teacher grades its own replies and those of the guidance it
 * wrote, and a teacher-played customer answers the teacher's own style; both flatter the teacher
 * and coach arms. Warnings to print loudly and to record in the report.
 */
export function teacherOverlap(teacher: ModelEndpointConfig | undefined, roles: { role: string; endpoint: ModelEndpointConfig | undefined; fix: string }[]): string[] {
  if (teacher === undefined) return [];
  return roles
    .filter(({ endpoint }) => endpoint !== undefined && endpoint.model === teacher.model)
    .map(({ role, endpoint, fix }) => `the ${role} is the teacher model (${endpoint!.model} at ${endpoint!.baseUrl}): it favours the teacher's own replies and the guidance it wrote; set ${fix} to another model`);
}

/** The models a run needs, checked before any conversation starts so a missing role fails fast. */
export class EvalModels {
  readonly judge: ChatModel;

  constructor(
    private readonly endpoints: EvalEndpoints,
    arms: ArmName[],
  ) {
    for (const arm of arms) this.endpoint(AGENT_MODEL[arm]);
    // The generic arm's playbook is the teacher's.
    if (arms.includes('generic')) this.endpoint('teacher');
    this.endpoint('customer');
    this.judge = new ChatModel('teacher', this.endpoint('judge'));
  }

  /**
   * The agent of an arm, sampling with the conversation's seed like the customer; with `transfer`,
   * that other model on the student's endpoint stands in for the student.
   */
  agent(arm: ArmName, seed: number, transfer?: string): ChatModel {
    const which = AGENT_MODEL[arm];
    const endpoint = this.endpoint(which);
    return new SeededChatModel(which === 'sft' ? 'student' : which, transfer === undefined ? endpoint : { ...endpoint, model: transfer }, seed);
  }

  /** The teacher, unseeded, for the generic playbook. */
  teacher(): ChatModel {
    return new ChatModel('teacher', this.endpoint('teacher'));
  }

  /** Warnings when the judge or the customer is the teacher model. */
  overlaps(): string[] {
    return teacherOverlap(this.endpoints.teacher, [
      { role: 'judge', endpoint: this.endpoints.judge, fix: 'JUDGE_BASE_URL and JUDGE_MODEL (or --judge-model)' },
      { role: 'simulated customer', endpoint: this.endpoints.customer, fix: 'CUSTOMER_BASE_URL and CUSTOMER_MODEL' },
    ]);
  }

  customer(seed: number): ChatModel {
    return new SeededChatModel('customer', this.endpoint('customer'), seed);
  }

  /** Model names for the run manifest and the report. */
  names(arms: ArmName[]): Record<string, string> {
    const names: Record<string, string> = { customer: this.endpoint('customer').model, judge: this.judge.model };
    for (const arm of arms) names[`agent:${arm}`] = this.endpoint(AGENT_MODEL[arm]).model;
    if (arms.includes('generic')) names['generic:playbook'] = this.endpoint('teacher').model;
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
