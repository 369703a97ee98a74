import type { ModelEndpointConfig, ModelRole } from '../config.js';
import { ModelNotConfiguredError } from '../errors.js';
import { ChatModel } from './chat-model.js';

/** The configured chat model of each role, built once; asking for an unconfigured role is a 503. */
export class ModelClients {
  private readonly models = new Map<ModelRole, ChatModel>();

  constructor(configs: Partial<Record<ModelRole, ModelEndpointConfig>>) {
    for (const [role, config] of Object.entries(configs) as [ModelRole, ModelEndpointConfig | undefined][]) {
      if (config !== undefined) this.models.set(role, new ChatModel(role, config));
    }
  }

  get(role: ModelRole): ChatModel {
    const model = this.models.get(role);
    if (model === undefined) throw new ModelNotConfiguredError(role);
    return model;
  }

  /** The model name serving a role, or null when none is configured. */
  modelName(role: ModelRole): string | null {
    return this.models.get(role)?.model ?? null;
  }
}
