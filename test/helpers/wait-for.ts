type Falsy = false | 0 | '' | null | undefined;

export interface WaitForOptions {
  /** Milliseconds before giving up. */
  timeout: number;
  /** What never happened, for the failure; a function can describe the last state it saw. */
  message: string | (() => string);
  /** Milliseconds between polls. */
  interval?: number;
}

/**
 * Polls `condition` until it returns a truthy value, and resolves with that value. A deadline
 * rather than a fixed sleep: as fast as the machine allows, and on a loaded one a failure that
 * says what never happened instead of a flaky assertion or a test that hangs until tap kills it.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, { timeout, message, interval = 20 }: WaitForOptions): Promise<Exclude<T, Falsy>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await condition();
    if (value) return value as Exclude<T, Falsy>;
    if (Date.now() >= deadline) throw new Error(`${typeof message === 'function' ? message() : message} (within ${timeout} ms)`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
