/**
 * Progress for long runs whose stderr is a file or a pipe (CI, nohup, docker logs), where a
 * redrawn bar would be noise: a line every `every` items with done, failed, ETA and tokens, and
 * one when the phase ends. The clock is injected so tests can state the ETA exactly.
 */
export class ProgressLines {
  private phase = '';
  private total = 0;
  private done = 0;
  private failed = 0;
  private tokens = 0;
  private processed = 0;
  private started = 0;

  constructor(
    private readonly write: (line: string) => void,
    private readonly every: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(phase: string, total: number, alreadyDone: number): void {
    Object.assign(this, { phase, total, done: alreadyDone, failed: 0, tokens: 0, processed: 0, started: this.now() });
    const resumed = alreadyDone > 0 ? ` (${alreadyDone} already done)` : '';
    this.write(`${phase}: ${total - alreadyDone} to do of ${total}${resumed}`);
  }

  /** One item finished (or failed), having spent `tokens`. */
  tick(tokens: number, failed: boolean): void {
    this.processed += 1;
    this.tokens += tokens;
    if (failed) this.failed += 1;
    else this.done += 1;
    const finished = this.done + this.failed >= this.total;
    if (this.processed % this.every === 0 || finished) this.write(this.line(finished));
  }

  private line(finished: boolean): string {
    const remaining = this.total - this.done - this.failed;
    const elapsed = this.now() - this.started;
    const eta = finished ? 'finished' : `ETA ${duration((elapsed / this.processed) * remaining)}`;
    return `${this.phase}: ${this.done}/${this.total} done, ${this.failed} failed, ${eta}, ${this.tokens.toLocaleString('en-US')} tokens`;
  }
}

/** 3h05m, 4m10s, 12s. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
