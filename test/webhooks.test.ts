import { createHmac } from 'node:crypto';
import type http from 'node:http';
import t from 'tap';
import { enqueueWebhookEvent } from '../src/webhooks/events.js';
import { retryDelayMs } from '../src/webhooks/delivery-worker.js';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';
import { LocalServer } from './helpers/local-server.js';
import { waitFor } from './helpers/wait-for.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 answering the scripted statuses in turn, then 200. */
async function receiver(t: Teardown, statuses: number[] = []) {
  const received: Received[] = [];
  const server = await LocalServer.start((req, res, body) => {
    received.push({ headers: req.headers, body });
    res.writeHead(statuses.shift() ?? 200).end();
  });
  t.teardown(() => server.close());
  return { url: server.baseUrl.replace(/\/v1$/, '/hook'), received };
}

const FAST = { WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_TIMEOUT_MS: '2000' };

async function setup(t: Teardown, env: Record<string, string> = {}) {
  const { app, db } = await testApp(t, { env: { ...FAST, ...env } });
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const subscribe = async (url: string, events: string[]) => {
    const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/webhooks`, headers: admin, payload: { url, events } });
    if (res.statusCode !== 201) throw new Error(`subscribing failed: ${res.statusCode} ${res.body}`);
    return res.json() as { id: string; secret: string };
  };
  const deliveries = async (webhookId: string) =>
    (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/webhooks/${webhookId}/deliveries`, headers: admin })).json().deliveries;
  const retire = (entryId: string) =>
    app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}/guidance/${entryId}`, headers: admin, payload: { status: 'retired', reason: 'obsolete' } });
  return { app, db, lib, ids, subscribe, deliveries, retire };
}

const signed = (secret: string, r: Received) =>
  `v1,${createHmac('sha256', secret).update(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`).digest('base64')}`;

t.test('an entry status change is POSTed to the webhook, signed with its secret, and logged as delivered', async (t) => {
  const hook = await receiver(t);
  const { lib, ids, subscribe, deliveries, retire } = await setup(t);
  const { id, secret } = await subscribe(hook.url, ['entry.status_changed']);
  t.match(secret, /^whsec_/);
  t.equal((await retire(ids[0]!)).statusCode, 200);
  const [got] = await waitFor(() => (hook.received.length > 0 ? hook.received : undefined), { timeout: 20_000, message: 'no delivery arrived' });
  t.equal(got!.headers['webhook-signature'], signed(secret, got!), 'HMAC-SHA256 over id.timestamp.body, Standard Webhooks format');
  const event = JSON.parse(got!.body);
  t.match(event, { id: got!.headers['webhook-id'], type: 'entry.status_changed', library_id: lib.id, data: { entry_id: ids[0], external_id: 'refund-late', from: 'approved', to: 'retired', version: 2 } });
  const log = await waitFor(async () => ((await deliveries(id))[0]?.status === 'delivered' ? deliveries(id) : undefined), { timeout: 10_000, message: 'not logged as delivered' });
  t.match(log, [{ event_id: event.id, event_type: 'entry.status_changed', status: 'delivered', attempts: 1, response_status: 200, error: null, next_attempt_at: null }]);
});

t.test('a failing receiver is retried with backoff until it answers 2xx; the webhook-id stays the same', async (t) => {
  const hook = await receiver(t, [500, 503]);
  const { ids, subscribe, deliveries, retire } = await setup(t);
  const { id } = await subscribe(hook.url, ['entry.status_changed']);
  await retire(ids[1]!);
  const log = await waitFor(async () => ((await deliveries(id))[0]?.status === 'delivered' ? deliveries(id) : undefined), { timeout: 20_000, message: 'never delivered' });
  t.match(log, [{ status: 'delivered', attempts: 3, response_status: 200 }]);
  t.equal(hook.received.length, 3);
  t.equal(new Set(hook.received.map((r) => r.headers['webhook-id'])).size, 1, 'receivers can dedupe retries by webhook-id');
});

t.test('after WEBHOOK_MAX_ATTEMPTS a delivery is failed, with the last answer in the log', async (t) => {
  const hook = await receiver(t, [500, 502, 500, 500]);
  const { ids, subscribe, deliveries, retire } = await setup(t, { WEBHOOK_MAX_ATTEMPTS: '2' });
  const { id } = await subscribe(hook.url, ['entry.status_changed']);
  await retire(ids[2]!);
  const log = await waitFor(async () => ((await deliveries(id))[0]?.status === 'failed' ? deliveries(id) : undefined), { timeout: 20_000, message: 'never given up' });
  t.match(log, [{ status: 'failed', attempts: 2, response_status: 502, error: 'answered 502', next_attempt_at: null }]);
  t.equal(hook.received.length, 2);
});

t.test('a finished job is reported; only subscribed events are sent', async (t) => {
  const jobs = await receiver(t);
  const entries = await receiver(t);
  const { app, lib, subscribe, deliveries } = await setup(t);
  const jobHook = await subscribe(jobs.url, ['job.finished']);
  await subscribe(entries.url, ['entry.status_changed']);
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/reembed`, headers: admin, payload: { embedder: 'local:hash-v1-256' } });
  t.equal(res.statusCode, 202, res.body);
  await waitFor(async () => (await deliveries(jobHook.id))[0]?.status === 'delivered', { timeout: 30_000, message: 'job.finished not delivered' });
  t.match(JSON.parse(jobs.received[0]!.body), { type: 'job.finished', data: { job_id: res.json().id, kind: 'reembed', status: 'done' } });
  t.same(entries.received, [], 'the entry-only webhook got nothing');
});

t.test('enqueueWebhookEvent delivers what its transaction commits, and nothing of one rolled back', async (t) => {
  const hook = await receiver(t);
  const { db, lib, ids, subscribe, deliveries } = await setup(t);
  const { id } = await subscribe(hook.url, ['entry.needs_review']);
  await t.rejects(
    db.transaction(async (tx) => {
      await enqueueWebhookEvent(tx, lib.id, 'entry.needs_review', { entry_id: ids[0], rolled_back: true });
      throw new Error('the policy edit failed');
    }),
  );
  await db.transaction((tx) => enqueueWebhookEvent(tx, lib.id, 'entry.needs_review', { entry_id: ids[1], old_clause: 'Refunds within 30 days.', new_clause: 'Refunds within 14 days.' }));
  await waitFor(async () => (await deliveries(id))[0]?.status === 'delivered', { timeout: 20_000, message: 'not delivered' });
  t.equal((await deliveries(id)).length, 1);
  t.match(JSON.parse(hook.received[0]!.body), { type: 'entry.needs_review', data: { entry_id: ids[1], new_clause: 'Refunds within 14 days.' } });
});

t.test('a policy edit that flags an entry sends entry.needs_review with the old and the new clause', async (t) => {
  const hook = await receiver(t);
  const { app } = await testApp(t, { env: FAST });
  const lib = await createLibrary(app, { policy: 'Refunds within 30 days of delivery.\nVerify the customer first.' });
  const { ids } = await importEntries(app, lib.id, [
    { scenario: 'A late refund request', guidance: 'Check the delivery date first.', policy_refs: ['Refunds within 30 days'] },
    { scenario: 'An address change', guidance: 'Verify, then change it.', policy_refs: ['Verify the customer first.'] },
  ]);
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/webhooks`, headers: admin, payload: { url: hook.url, events: ['entry.needs_review'] } });
  t.equal(res.statusCode, 201, res.body);
  const edit = await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}`, headers: admin, payload: { policy: 'Refunds within 14 days of delivery.\nVerify the customer first.' } });
  t.equal(edit.statusCode, 200, edit.body);
  const deliveries = async () => (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/webhooks/${res.json().id}/deliveries`, headers: admin })).json().deliveries;
  await waitFor(async () => (await deliveries())[0]?.status === 'delivered', { timeout: 20_000, message: 'entry.needs_review not delivered' });
  t.equal(hook.received.length, 1, 'one flag, one event: the entry quoting the unchanged clause is not reported');
  t.match(JSON.parse(hook.received[0]!.body), {
    type: 'entry.needs_review',
    data: { entry_id: ids[0], policy_ref: 'Refunds within 30 days', old_clause: 'Refunds within 30 days of delivery.', new_clause: 'Refunds within 14 days of delivery.' },
  });
});

t.test('webhooks are admin-only, per library, and bad input names the field', async (t) => {
  const { app, lib, subscribe } = await setup(t);
  const other = await createLibrary(app);
  const { id } = await subscribe('https://hooks.example.com/a', ['job.finished']);
  const teacher = await createKey(app, { role: 'teacher' });
  const asTeacher = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/webhooks`, headers: bearer(teacher.key) });
  t.equal(asTeacher.statusCode, 403);
  const listed = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/webhooks`, headers: admin })).json();
  t.same(listed.webhooks.map((w: { id: string }) => w.id), [id]);
  t.notOk('secret' in listed.webhooks[0], 'the secret is not shown again');
  t.same((await app.inject({ method: 'GET', url: `/v1/libraries/${other.id}/webhooks`, headers: admin })).json().webhooks, []);
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/libraries/${other.id}/webhooks/${id}`, headers: admin })).statusCode, 404, "another library's webhook is not found");
  const badUrl = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/webhooks`, headers: admin, payload: { url: 'ftp://x/y', events: ['job.finished'] } });
  t.equal(badUrl.statusCode, 400);
  t.match(badUrl.json().error.message, /body\.url/);
  const badEvent = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/webhooks`, headers: admin, payload: { url: 'https://x/y', events: ['entry.deleted'] } });
  t.equal(badEvent.statusCode, 400);
  t.match(badEvent.json().error.message, /body\.events\.0 must be one of entry\.status_changed, job\.finished, entry\.needs_review/);
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/libraries/${lib.id}/webhooks/${id}`, headers: admin })).statusCode, 204);
  t.same((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/webhooks`, headers: admin })).json().webhooks, []);
});

t.test('retries back off exponentially from WEBHOOK_RETRY_BASE_MS, with jitter, capped at an hour', async (t) => {
  const low = () => 0;
  const high = () => 1;
  t.same([1, 2, 3, 4].map((n) => retryDelayMs(n, 1_000, high)), [1_000, 2_000, 4_000, 8_000]);
  t.same([1, 2, 3, 4].map((n) => retryDelayMs(n, 1_000, low)), [500, 1_000, 2_000, 4_000], 'at least half the ceiling');
  t.equal(retryDelayMs(30, 1_000, high), 3_600_000);
});
