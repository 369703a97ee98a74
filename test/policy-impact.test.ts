import t from 'tap';
import type { PolicyFlagEvent } from '../src/library/policy-flags.js';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { createLibrary, importEntries } from './helpers/library.js';

const POLICY = [
  'Refunds within 30 days of delivery, with proof of purchase.',
  "Verify the customer's identity before changing an order.",
  '- Sale items cannot be returned.',
  '- Shipping is free above 50 dollars.',
].join('\n');

const EDITED = [
  'Refunds within 14 days of delivery, with proof of purchase.',
  "Verify the customer's identity before changing an order.",
  '- Shipping is free above 50 dollars.',
  '- Gift cards never expire.',
].join('\n');

const entry = (external_id: string, policy_refs: string[], extra: object = {}) => ({
  external_id,
  scenario: `Situation ${external_id}: customer wants a refund of a jacket`,
  guidance: `Guidance ${external_id}: check the delivery date first.`,
  policy_refs,
  ...extra,
});

t.test('a policy edit flags exactly the entries quoting a changed or removed clause, with old and new clause', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app, { policy: POLICY });
  const events: PolicyFlagEvent[] = [];
  app.policyFlags.onFlagged(async (event) => {
    events.push(event);
  });
  const [refund, sale, verify, none, retired, shippingDraft, partial] = (
    await importEntries(app, lib.id, [
      entry('refund', ['Refunds within 30 days of delivery']),
      entry('sale', ['sale items cannot be returned']),
      entry('verify', ["Verify the customer's identity before changing an order."]),
      entry('none', []),
      entry('retired', ['Refunds within 30 days of delivery'], { status: 'retired' }),
      entry('shipping', ['Shipping is free above 50 dollars.'], { status: 'draft' }),
      // A quote of the unchanged part of a changed clause: the clause it relies on changed.
      entry('partial', ['with proof of purchase']),
    ])
  ).ids as string[];

  const res = await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}`, headers: admin, payload: { policy: EDITED } });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().policy, EDITED);
  const flags = res.json().policy_flags as { entry_id: string; policy_ref: string; old_clause: string; new_clause: string | null; entry_version: number }[];
  t.same(
    flags.map((f) => [f.entry_id, f.policy_ref, f.old_clause, f.new_clause]).sort(),
    [
      [refund, 'Refunds within 30 days of delivery', 'Refunds within 30 days of delivery, with proof of purchase.', 'Refunds within 14 days of delivery, with proof of purchase.'],
      [sale, 'sale items cannot be returned', 'Sale items cannot be returned.', null],
      [partial, 'with proof of purchase', 'Refunds within 30 days of delivery, with proof of purchase.', 'Refunds within 14 days of delivery, with proof of purchase.'],
    ].sort(),
    'the changed clause (with its replacement) and the removed one (null); not the unchanged, unquoted, retired or other entries',
  );
  t.ok(flags.every((f) => f.entry_version === 1));
  t.equal(events.length, 1, 'the listener heard of the edit once');
  t.same(events[0]!.flags.map((f) => f.entry_id).sort(), [refund, sale, partial].sort());
  t.notOk([verify, none, retired, shippingDraft].some((id) => flags.some((f) => f.entry_id === id)));

  const same = await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}`, headers: admin, payload: { policy: EDITED, description: 'same policy' } });
  t.same(same.json().policy_flags, [], 'an unchanged policy flags nothing');
  t.equal(events.length, 1);

  const queue = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/review-queue`, headers: admin });
  t.equal(queue.statusCode, 200, queue.body);
  const items = queue.json().items as { kind: string; entry: { id: string }; policy_flags: unknown[]; evidence: { exposures: number } }[];
  t.equal(queue.json().total, 4);
  t.same(items.map((i) => [i.kind, i.entry.id]).sort(), [['draft', shippingDraft], ['needs_review', refund], ['needs_review', sale], ['needs_review', partial]].sort());
  t.ok(items.filter((i) => i.kind === 'needs_review').every((i) => i.policy_flags.length === 1));
  t.match(items.find((i) => i.kind === 'draft'), { policy_flags: [], evidence: { teacher_evidence: 0, latest_retest_passed: null, exposures: 0, conversations: 0 } });

  const onlyFlags = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/review-queue?kind=needs_review&limit=2`, headers: admin });
  t.equal(onlyFlags.json().total, 3);
  t.equal(onlyFlags.json().items.length, 2);
  t.equal(onlyFlags.json().next_offset, 2);
  const rest = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/review-queue?kind=needs_review&limit=2&offset=2`, headers: admin });
  t.equal(rest.json().items.length, 1);
  t.equal(rest.json().next_offset, null);
  const badKind = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/review-queue?kind=nope`, headers: admin });
  t.equal(badKind.statusCode, 400);
  t.match(badKind.json().error.message, 'query.kind');

  // Resolved by a person; or by the entry no longer quoting the old text.
  const student = await createKey(app, { role: 'student', library_ids: [lib.id] });
  const forbidden = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/${sale}/policy-flags/resolve`, headers: bearer(student.key), payload: { reason: 'fine' } });
  t.equal(forbidden.statusCode, 403);
  const resolved = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${lib.id}/guidance/${sale}/policy-flags/resolve`,
    headers: admin,
    payload: { reason: 'sale items are still final sale in practice' },
  });
  t.equal(resolved.statusCode, 200, resolved.body);
  t.equal(resolved.json().items.length, 1);
  const again = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/${sale}/policy-flags/resolve`, headers: admin, payload: { reason: 'x' } });
  t.equal(again.statusCode, 404, 'nothing left to resolve');
  const fixed = await app.inject({
    method: 'PATCH',
    url: `/v1/libraries/${lib.id}/guidance/${refund}`,
    headers: admin,
    payload: { policy_refs: ['Refunds within 14 days of delivery'], reason: 'new window' },
  });
  t.equal(fixed.statusCode, 200, fixed.body);
  t.same((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${refund}/policy-flags`, headers: admin })).json().items, []);
  const left = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/review-queue?kind=needs_review`, headers: admin })).json();
  t.same(left.items.map((i: { entry: { id: string } }) => i.entry.id), [partial]);
});

t.test('serve_needs_review decides whether flagged entries are served until reviewed', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app, { policy: POLICY });
  const [flagged, other] = (
    await importEntries(app, lib.id, [
      entry('refund', ['Refunds within 30 days of delivery']),
      { scenario: 'Customer wants a refund of a jacket bought last week', guidance: 'Ask for the order number.' },
    ])
  ).ids as string[];
  await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}`, headers: admin, payload: { policy: EDITED } });
  const compose = async () =>
    (
      await app.inject({
        method: 'POST',
        url: `/v1/libraries/${lib.id}/compose`,
        headers: admin,
        payload: { messages: [{ role: 'user', content: 'I want a refund of my jacket' }], k: 1 },
      })
    ).json().guidance.map((g: { id: string }) => g.id);
  t.same(await compose(), [flagged], 'served by default');
  const off = await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}`, headers: admin, payload: { serve_needs_review: false } });
  t.equal(off.json().serve_needs_review, false);
  t.same(await compose(), [other], 'not served, and k is still filled by the next entry');
});
