/**
 * Why a background worker abandoned a unit of work (a re-embed job, a teacher step). Both leave it
 * resumable; they differ in who resumes it.
 */

/** This instance is shutting down: the work is released for the next instance to resume. */
export class WorkerStopped extends Error {
  constructor() {
    super('the worker stopped');
    this.name = 'WorkerStopped';
  }
}

/** The work is no longer this instance's: its lease lapsed and another took it, or it was cancelled or deleted. */
export class LeaseLost extends Error {
  constructor(what: string) {
    super(`${what} is no longer ours`);
    this.name = 'LeaseLost';
  }
}
