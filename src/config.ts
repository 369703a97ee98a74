import { loadAuthConfig, type AuthConfig } from './config/auth.js';
import { loadChatConfig, type ChatConfig } from './config/chat.js';
import { loadDatabaseConfig, type DatabaseConfig } from './config/database.js';
import type { Env } from './config/env.js';
import { loadLimitsConfig, type LimitsConfig } from './config/limits.js';
import { loadModelsConfig, type ModelsConfig } from './config/models.js';
import {
  loadEmbedderConfig,
  loadReembedConfig,
  loadRetrievalConfig,
  type EmbedderConfig,
  type ReembedConfig,
  type RetrievalConfig,
} from './config/retrieval.js';
import { loadServerConfig, type ServerConfig } from './config/server.js';
import { loadTelemetryConfig, type TelemetryConfig } from './config/telemetry.js';
import { loadWebhooksConfig, type WebhooksConfig } from './config/webhooks.js';
import { loadTeacherConfig, type TeacherConfig } from './config/teacher.js';
import { loadTraceConfig, type TraceConfig } from './config/traces.js';

export { ConfigError } from './config/env.js';
export type { ChatConfig, EmbedderConfig, TraceConfig };
export type { ModelEndpointConfig, ModelRole } from './config/models.js';
export type { ModelPrice } from './config/teacher.js';

/** Everything the service reads from its environment, validated once at start-up: one section per feature. */
export interface Config {
  server: ServerConfig;
  limits: LimitsConfig;
  telemetry: TelemetryConfig;
  webhooks: WebhooksConfig;
  database: DatabaseConfig;
  auth: AuthConfig;
  embedder: EmbedderConfig;
  retrieval: RetrievalConfig;
  reembed: ReembedConfig;
  models: ModelsConfig;
  chat: ChatConfig;
  traces: TraceConfig;
  teacher: TeacherConfig;
}

export function loadConfig(env: Env = process.env): Config {
  return {
    server: loadServerConfig(env),
    limits: loadLimitsConfig(env),
    telemetry: loadTelemetryConfig(env),
    webhooks: loadWebhooksConfig(env),
    database: loadDatabaseConfig(env),
    auth: loadAuthConfig(env),
    embedder: loadEmbedderConfig(env),
    retrieval: loadRetrievalConfig(env),
    reembed: loadReembedConfig(env),
    models: loadModelsConfig(env),
    chat: loadChatConfig(env),
    traces: loadTraceConfig(env),
    teacher: loadTeacherConfig(env),
  };
}
