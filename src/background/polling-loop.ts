import type { Log } from '../logger.js';

export interface PollingLoopOptions {
  /** Named in log lines. */
  name: string;
  /** Wait after a pass that found nothing to do. */
  idleMs: number;
  /** Wait after a pass that failed (database restarting, say) before trying again. */
  errorBackoffMs: number;
}

/**
 * Runs `pass` in the background for a worker: again at once while it reports work done, every
 * `idleMs` while there is none, and after `errorBackoffMs` when it throws (logged, never fatal).
 */
export class PollingLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly pass: () => Promise<boolean>,
    private readonly log: Log,
    private readonly options: PollingLoopOptions,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Work was queued: look now rather than at the next poll. */
  wake(): void {
    if (this.running === undefined) this.schedule(0);
  }

  /** No pass starts after this call; resolves when the one in flight ends. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    return this.running ?? Promise.resolve();
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
    }, delay);
  }

  private async drain(): Promise<void> {
    let delay = this.options.idleMs;
    try {
      while (!this.stopped && (await this.pass()));
    } catch (err) {
      this.log.warn({ err }, `${this.options.name} failed; will retry`);
      delay = this.options.errorBackoffMs;
    }
    this.schedule(delay);
  }
}
