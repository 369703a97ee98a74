import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import type { GuidanceStore } from '../library/guidance-store.js';
import type { Libraries } from '../library/libraries.js';
import type { Log } from '../logger.js';
import type { Embedders } from '../retrieval/embedders.js';
import type { Retriever } from '../retrieval/retriever.js';
import { TeachingModels } from './job-models.js';
import { TeacherJobs } from './jobs.js';
import { loadPrompts } from './prompts.js';
import { SimilarEntries } from './similar-entries.js';
import { StepRunner } from './step-runner.js';
import { StudentServer } from './student.js';
import { TeacherWorker } from './worker.js';

export interface TeacherDeps {
  db: Db;
  config: Config;
  libraries: Libraries;
  store: GuidanceStore;
  embedders: Embedders;
  retriever: Retriever;
  log: Log;
}

/** The teacher's job API and its background worker, wired from the service's parts. */
export function createTeacher(deps: TeacherDeps): { jobs: TeacherJobs; worker: TeacherWorker } {
  const { db, config } = deps;
  const models = new TeachingModels(config.models);
  const runner = new StepRunner({
    db,
    models,
    prompts: loadPrompts(),
    student: new StudentServer(deps.retriever, config.chat.guidanceTokenBudget),
    similar: new SimilarEntries(db, deps.embedders, config.retrieval.duplicateThreshold),
    store: deps.store,
  });
  const worker = new TeacherWorker(db, runner, deps.log, { concurrency: config.teacher.concurrency, endpoints: models.served() });
  const jobs = new TeacherJobs(db, deps.libraries, models, config.teacher.prices, {
    queued: () => worker.wake(),
    cancelled: (jobId) => worker.cancelled(jobId),
  });
  return { jobs, worker };
}
