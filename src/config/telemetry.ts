import { text, url, type Env } from './env.js';

export interface TelemetryConfig {
  /** OTLP/HTTP base URL (the collector's :4318); spans go to <it>/v1/traces. Unset: no tracing. */
  otlpEndpoint?: string;
  serviceName: string;
}

export function loadTelemetryConfig(env: Env): TelemetryConfig {
  const endpoint = text(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  return {
    otlpEndpoint: endpoint === undefined ? undefined : url('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint),
    serviceName: text(env, 'OTEL_SERVICE_NAME') ?? 'coach',
  };
}
