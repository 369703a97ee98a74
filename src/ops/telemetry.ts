import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TelemetryConfig } from '../config/telemetry.js';

/**
 * Exports spans over OTLP/HTTP when an endpoint is configured: registers the global tracer
 * provider (and the async-context manager that makes spans nest across awaits). Returns the
 * shutdown, which flushes what is buffered.
 */
export function startTracing(config: TelemetryConfig): (() => Promise<void>) | undefined {
  if (config.otlpEndpoint === undefined) return undefined;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }), { scheduledDelayMillis: 500 })],
  });
  provider.register();
  return async () => {
    await provider.shutdown();
    trace.disable();
  };
}
