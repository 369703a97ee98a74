/** The slice of pino the domain needs, so modules below HTTP don't depend on Fastify's logger type. */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
