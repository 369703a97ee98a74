import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/db/db.js';
import { admin, testApp } from './app.js';
import { FakeLlm, POLICY, scriptSupportDesk } from './fake-llm.js';
import { createLibrary } from './library.js';
import { waitFor } from './wait-for.js';

export const CANCEL = { id: 'cancel-1', description: 'Wants an order cancelled', customer_goal: 'have the order cancelled', opening: 'Hi, please cancel my order 1234.' };
export const ADDRESS = { id: 'address-1', description: 'Wants a new delivery address', customer_goal: 'parcel sent elsewhere', opening: 'Please change the delivery address of my parcel.' };

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** The app with all three roles on a scripted support desk, and a library with its policy. */
export async function teacherSetup(t: Teardown, env: Record<string, string> = {}, options: { db?: Db; fake?: FakeLlm } = {}) {
  const fake = options.fake ?? scriptSupportDesk(await FakeLlm.start(t));
  const { app, db } = await testApp(t, { env: fake.env(env), db: options.db });
  const lib = await createLibrary(app, { policy: POLICY });
  return { fake, app, db, lib, ...jobClient(app, lib.id) };
}

export function jobClient(app: FastifyInstance, libraryId: string) {
  const teach = (payload: object) => app.inject({ method: 'POST', url: `/v1/libraries/${libraryId}/teach`, headers: admin, payload });
  const job = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: admin })).json();
  const entry = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/libraries/${libraryId}/guidance/${id}`, headers: admin })).json();
  const evidence = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/libraries/${libraryId}/guidance/${id}/evidence`, headers: admin })).json();
  const entries = async () => (await app.inject({ method: 'GET', url: `/v1/libraries/${libraryId}/guidance?limit=500`, headers: admin })).json().items;
  /** Submits a job and waits until it stops running. */
  const run = async (payload: object) => {
    const res = await teach(payload);
    if (res.statusCode !== 202) throw new Error(`teach answered ${res.statusCode}: ${res.body}`);
    return finished(res.json().job_id);
  };
  const finished = (id: string) =>
    waitFor(
      async () => {
        const view = await job(id);
        return !['pending', 'running'].includes(view.status) && view;
      },
      { timeout: 60_000, interval: 50, message: `job ${id} did not finish` },
    );
  return { teach, job, entry, evidence, entries, run, finished };
}

