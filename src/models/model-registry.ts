import { createHash } from 'node:crypto';
import type { ModelEndpointConfig, ModelRole } from '../config.js';
import { ModelNotConfiguredError } from '../errors.js';
import { ChatModel } from './chat-model.js';

/**
 * The chat model of each role, a client per role and model name, built when first asked for. A
 * caller may name another model than the configured one (a teacher job does), on the role's
 * endpoint only: a request must never make the service call arbitrary URLs.
 */
export class ModelRegistry {
  private readonly clients = new Map<string, ChatModel>();

  constructor(private readonly endpoints: Partial<Record<ModelRole, ModelEndpointConfig>>) {}

  /** The role's model, the configured one unless `model` names another; an unconfigured role is a 503 naming its variables. */
  get(role: ModelRole, model?: string): ChatModel {
    const endpoint = this.endpoints[role];
    if (endpoint === undefined) throw new ModelNotConfiguredError(role);
    const name = model ?? endpoint.model;
    const key = `${role}\u0000${name}`;
    let client = this.clients.get(key);
    if (client === undefined) {
      client = new ChatModel(role, { ...endpoint, model: name });
      this.clients.set(key, client);
    }
    return client;
  }

  /** The configured model name of a role, or null when none is configured. */
  modelName(role: ModelRole): string | null {
    return this.endpoints[role]?.model ?? null;
  }

  /**
   * Which endpoint serves a role, comparable across instances; undefined when none is configured.
   * Hashed, because a base URL may carry credentials; the API key is left out, since another key
   * for the same server serves the same models.
   */
  endpointFingerprint(role: ModelRole): string | undefined {
    const endpoint = this.endpoints[role];
    if (endpoint === undefined) return undefined;
    return createHash('sha256').update(new URL(endpoint.baseUrl).href.replace(/\/+$/, '')).digest('hex');
  }
}
