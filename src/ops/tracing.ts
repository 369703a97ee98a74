import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * Spans of a chat turn (retrieve, compose, model call) through the OpenTelemetry API. Without an
 * exporter configured (OTEL_EXPORTER_OTLP_ENDPOINT) the API's tracer is a no-op and costs nothing.
 */
const tracer = () => trace.getTracer('coach');

function failed(span: Span, err: unknown): void {
  span.recordException(err as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
}

/** Runs `fn` inside a span, a child of the active one; ends it when `fn` settles. */
export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      failed(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A span ended by the caller, for work that outlives the call starting it (a stream). */
export function startSpan(name: string, attributes: Attributes): { span: Span; end(err?: unknown): void } {
  const span = tracer().startSpan(name, { attributes });
  return {
    span,
    end(err?: unknown) {
      if (err !== undefined) failed(span, err);
      span.end();
    },
  };
}
