/**
 * The moment by which a whole chat turn must be answered, however many attempts and waits the
 * model call takes. Its signal fires then.
 */
export class Deadline {
  readonly signal: AbortSignal;
  private readonly at: number;

  constructor(readonly ms: number) {
    this.at = performance.now() + ms;
    this.signal = AbortSignal.timeout(ms);
  }

  remainingMs(): number {
    return Math.max(0, this.at - performance.now());
  }
}

/** The wait a response asks for before a retry, read as the openai SDK reads it. */
function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (!Number.isNaN(ms)) return ms;
  const header = headers.get('retry-after');
  if (header === null) return undefined;
  const seconds = Number.parseFloat(header);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : date - Date.now();
}

/** The statuses the SDK retries, unless the server says otherwise with `x-should-retry`. */
function sdkWouldRetry(response: Response): boolean {
  const header = response.headers.get('x-should-retry');
  if (header === 'true' || header === 'false') return header === 'true';
  return [408, 409, 429].includes(response.status) || response.status >= 500;
}

/**
 * The SDK sleeps for a response's Retry-After without looking at the request's signal. A `fetch`
 * for one call under a deadline turns such a retry off when the wait would outlast the deadline,
 * so the call fails at once rather than at the deadline, and remembers the wait it refused.
 */
export class DeadlineFetch {
  /** The wait a response asked for that the deadline did not allow; set when a retry was refused. */
  refusedWaitMs: number | undefined;
  private retriesLeft: number;

  constructor(
    readonly deadline: Deadline,
    maxRetries: number,
  ) {
    this.retriesLeft = maxRetries;
  }

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const retriesLeft = this.retriesLeft--;
    const response = await fetch(input, init);
    if (response.ok || retriesLeft === 0 || !sdkWouldRetry(response)) return response;
    const wait = retryAfterMs(response.headers);
    if (wait === undefined || wait < this.deadline.remainingMs()) return response;
    this.refusedWaitMs = wait;
    const headers = new Headers(response.headers);
    headers.set('x-should-retry', 'false');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

/**
 * Settles with `promise`, or rejects when the deadline passes first. The SDK's own backoff between
 * retries ignores the signal too; it notices the deadline only when it wakes.
 */
export function beforeDeadline<T>(promise: Promise<T>, deadline: Deadline): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const passed = () => reject(deadline.signal.reason);
    if (deadline.signal.aborted) passed();
    deadline.signal.addEventListener('abort', passed, { once: true });
    promise.then(resolve, reject).finally(() => deadline.signal.removeEventListener('abort', passed));
  });
}
