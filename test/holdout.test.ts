import t from 'tap';
import { admin, testApp } from './helpers/app.js';
import { STUDENT_MODEL, studentEnv } from './helpers/chat.js';
import { FakeOpenAI } from './helpers/fake-openai.js';
import { createLibrary, importEntries } from './helpers/library.js';

const customer = (text: string) => [
  { role: 'assistant' as const, content: 'Hello, how can I help you today?' },
  { role: 'user' as const, content: text },
];

const ENTRIES = [
  {
    external_id: 'planted',
    scenario: 'Customer asks for a refund of a jacket bought weeks ago',
    guidance: 'Verify the order date, explain the return window, offer store credit.',
    examples: ['I want my money back for the jacket I bought', 'refund my jacket please'],
  },
  {
    external_id: 'null',
    scenario: 'Customer wants to change the shipping address of a parcel',
    guidance: 'Check whether the parcel has shipped, then update the delivery address.',
    examples: ['send my parcel to my new address', 'change the delivery address of my parcel'],
  },
  {
    external_id: 'hard-case',
    scenario: 'Angry customer threatens a lawsuit over a damaged television',
    guidance: 'Stay calm, apologise once, escalate to a supervisor, promise nothing about compensation.',
    examples: ['my television arrived smashed and I will sue you', 'I am calling my lawyer about this broken television'],
  },
];

type Kind = 'planted' | 'null' | 'hard-case';
const TEXT: Record<Kind, string> = {
  planted: 'I want a refund for the jacket I bought, my money back please',
  null: 'please send my parcel to my new delivery address',
  'hard-case': 'the television arrived smashed, I will sue you and call my lawyer',
};
const PER_KIND = 90;

interface Said {
  rating: number;
  resolved: boolean;
  policy_violation: boolean;
}
const cycle = (ratings: number[], resolved: number[], violated: number[]): Said[] =>
  ratings.map((rating, i) => ({ rating, resolved: resolved[i] === 1, policy_violation: violated[i] === 1 }));

/**
 * Planted feedback, taken in turn from a fixed cycle per entry and arm, so each arm's outcomes are
 * what was planted whichever conversations the hash put in it. The planted entry raises ratings by
 * 2 and resolution, and lowers violations. The null entry's arms get the same cycle: nothing
 * changes. So do the hard-case entry's, but it is retrieved only for hard conversations, which go
 * badly with or without it.
 */
const PLANTED: Record<Kind, { shown: Said[]; withheld: Said[] }> = {
  planted: {
    shown: cycle([4, 5, 4, 3, 5], [1, 1, 1, 0, 1], [0, 0, 0, 0, 1]),
    withheld: cycle([2, 1, 2, 3, 2], [0, 1, 0, 0, 0], [1, 0, 1, 0, 1]),
  },
  null: { shown: cycle([3, 4, 5, 4, 4], [1, 0, 1, 1, 0], [0, 0, 1, 0, 0]), withheld: cycle([3, 4, 5, 4, 4], [1, 0, 1, 1, 0], [0, 0, 1, 0, 0]) },
  'hard-case': { shown: cycle([2, 1, 3, 2, 2], [0, 0, 1, 0, 0], [1, 0, 0, 1, 0]), withheld: cycle([2, 1, 3, 2, 2], [0, 0, 1, 0, 0], [1, 0, 0, 1, 0]) },
};

const excludesZero = ([lo, hi]: [number, number]) => lo > 0 || hi < 0;

t.test('hold-out: a planted effect shows an uplift excluding 0, a null entry one covering 0, and the correlation misleads for a hard-case entry', async (t) => {
  const fake = await FakeOpenAI.start(t);
  const { app } = await testApp(t, { env: studentEnv(fake) });
  const lib = await createLibrary(app, { holdout_rate: 0.5 });
  const ids = (await importEntries(app, lib.id, ENTRIES)).ids;
  const idOf: Record<Kind, string> = { planted: ids[0]!, null: ids[1]!, 'hard-case': ids[2]! };
  const given = new Map<string, number>();
  const outcome = (kind: Kind, shown: boolean) => {
    const arm = `${kind}:${shown}`;
    const n = given.get(arm) ?? 0;
    given.set(arm, n + 1);
    const said = PLANTED[kind][shown ? 'shown' : 'withheld'];
    return said[n % said.length]!;
  };

  for (let i = 0; i < PER_KIND; i++) {
    for (const kind of ['planted', 'null', 'hard-case'] as Kind[]) {
      const conversation_id = `${kind}-${i}`;
      // Hard cases go through chat, so their traces name the student model; the rest through compose.
      const url = kind === 'hard-case' ? `/v1/libraries/${lib.id}/chat` : `/v1/libraries/${lib.id}/compose`;
      const first = await app.inject({ method: 'POST', url, headers: admin, payload: { messages: customer(TEXT[kind]), conversation_id, k: 1 } });
      t.equal(first.statusCode, 200, first.body);
      const trace = (await app.inject({ method: 'GET', url: `/v1/traces/${first.json().trace_id}`, headers: admin })).json();
      const shown = trace.guidance.some((g: { id: string }) => g.id === idOf[kind]);
      const withheld = trace.withheld.some((g: { id: string }) => g.id === idOf[kind]);
      if (i === 0) t.equal(trace.holdout_rate, 0.5, 'the trace records the rate in force');
      if (shown === withheld) t.fail(`conversation ${conversation_id}: the entry is either shown or withheld (${JSON.stringify(trace)})`);
      if (i < 3) {
        // A later turn of the conversation gets the same decision.
        const again = await app.inject({ method: 'POST', url, headers: admin, payload: { messages: customer(`${TEXT[kind]}, as I said`), conversation_id, k: 1 } });
        const next = (await app.inject({ method: 'GET', url: `/v1/traces/${again.json().trace_id}`, headers: admin })).json();
        t.same(next.withheld.map((g: { id: string }) => g.id), withheld ? [idOf[kind]] : [], `${conversation_id}: consistent within the conversation`);
        t.equal(next.holdout_rate, 0.5);
      }
      const fb = await app.inject({ method: 'POST', url: '/v1/feedback', headers: admin, payload: { conversation_id, ...outcome(kind, shown) } });
      t.equal(fb.statusCode, 201, fb.body);
    }
  }

  const res = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/stats`, headers: admin });
  t.equal(res.statusCode, 200, res.body);
  const of = (kind: Kind) => res.json().items.find((i: { entry_id: string }) => i.entry_id === idOf[kind]);

  const planted = of('planted').causal;
  t.ok(planted.conversations.shown > 20 && planted.conversations.withheld > 20, `both arms are filled (${JSON.stringify(planted.conversations)})`);
  t.equal(planted.conversations.shown + planted.conversations.withheld, PER_KIND, 'every eligible conversation is in one arm');
  for (const metric of ['mean_rating', 'resolution_rate', 'policy_violation_rate'] as const) {
    t.ok(excludesZero(planted[metric].ci95), `planted ${metric}: ${JSON.stringify(planted[metric])}`);
    t.equal(planted[metric].more_conversations_needed, 0, `planted ${metric}: no more conversations needed`);
  }
  t.ok(planted.mean_rating.uplift > 1 && planted.resolution_rate.uplift > 0 && planted.policy_violation_rate.uplift < 0);
  t.equal(planted.mean_rating.n_shown + planted.mean_rating.n_withheld, PER_KIND);

  const nul = of('null').causal;
  for (const metric of ['mean_rating', 'resolution_rate', 'policy_violation_rate'] as const) {
    t.notOk(excludesZero(nul[metric].ci95), `null ${metric} covers 0: ${JSON.stringify(nul[metric])}`);
    const needed = nul[metric].more_conversations_needed;
    t.ok(needed === null || needed > 0, `null ${metric}: the interval needs more conversations (${needed})`);
  }

  // The correlation says the hard-case entry costs most of a point of rating; the experiment says nothing of the kind.
  const hard = of('hard-case');
  const correlational = hard.when_used.mean_rating - hard.when_not_used.mean_rating;
  t.ok(correlational < -0.8, `correlationally the hard-case entry looks harmful (${correlational})`);
  t.ok(hard.when_used.resolution_rate < hard.when_not_used.resolution_rate, 'and resolves less');
  t.notOk(excludesZero(hard.causal.mean_rating.ci95), `causally its rating uplift covers 0 (${JSON.stringify(hard.causal.mean_rating)})`);
  t.ok(hard.causal.mean_rating.ci95[0] > correlational, 'and excludes the correlational estimate');

  // Per student model: the hard cases were answered by the student through chat, the rest composed.
  t.same(hard.causal.by_model.map((m: { model: string | null }) => m.model), [STUDENT_MODEL]);
  t.same(hard.causal.by_model[0].mean_rating, hard.causal.mean_rating, 'one model: the same comparison');
  t.same(planted.by_model.map((m: { model: string | null }) => m.model), [null], 'compose turns: no student model');

  const one = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${idOf.planted}/stats`, headers: admin });
  t.same(one.json().causal, planted, 'the entry route agrees');
});

t.test('without hold-out nothing is withheld and there is no causal comparison; the rate is validated', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  t.equal((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}`, headers: admin })).json().holdout_rate, 0, 'off by default');
  const [id] = (await importEntries(app, lib.id, ENTRIES.slice(0, 1))).ids;
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/compose`, headers: admin, payload: { messages: customer(TEXT.planted), conversation_id: `c${i}`, k: 1 } });
    t.same(res.json().guidance.map((g: { id: string }) => g.id), [id]);
    await app.inject({ method: 'POST', url: '/v1/feedback', headers: admin, payload: { conversation_id: `c${i}`, rating: 4 } });
  }
  const stats = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${id}/stats`, headers: admin })).json();
  t.match(stats.when_used, { conversations: 5, mean_rating: 4 });
  t.match(stats.causal, { conversations: { shown: 0, withheld: 0 }, mean_rating: { uplift: null, ci95: null, n_shown: 0 }, by_model: [] });

  const bad = await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}`, headers: admin, payload: { holdout_rate: 0.9 } });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().error.message, 'body.holdout_rate');
  const ok = await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}`, headers: admin, payload: { holdout_rate: 0.05 } });
  t.equal(ok.json().holdout_rate, 0.05);
});
