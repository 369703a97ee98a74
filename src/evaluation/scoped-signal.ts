import { setMaxListeners } from 'node:events';

/**
 * A signal for one unit of work that follows the run's signal. The openai SDK adds an abort listener
 * to the caller's signal on every request and never removes it, so a run-long signal would collect
 * one per model call; a scoped signal collects a conversation's worth and is then dropped.
 */
export async function withScopedSignal<T>(parent: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const scoped = new AbortController();
  // A conversation makes a bounded number of calls, each leaving one listener until it is dropped.
  setMaxListeners(0, scoped.signal);
  const abort = () => scoped.abort(parent.reason);
  if (parent.aborted) abort();
  else parent.addEventListener('abort', abort, { once: true });
  try {
    return await work(scoped.signal);
  } finally {
    parent.removeEventListener('abort', abort);
  }
}
