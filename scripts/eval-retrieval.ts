/**
 * ABCD retrieval benchmark through the real service: each fold's library is imported over HTTP
 * (app.inject) into embedded PGlite (or DATABASE_URL), and every held-out conversation is sent to
 * POST /retrieve after customer turns 1, 2, 3 and whole. Plain BM25 over the same entries is the
 * baseline in the same run.
 *
 *   npm run eval:retrieval -- --data ../shared/data/abcd/derived [--exemplars FILE] [--folds 5]
 *
 * --exemplars FILE: labelled conversations whose opening customer turns become `examples` of their
 * intent's entry. When FILE is the dev file itself, k-fold cross-validation keeps every scored
 * conversation out of the examples it is scored against.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openPglite } from '../src/db/pglite-db.js';
import { contentTokens } from '../src/retrieval/local-embedder.js';
import type { ChatMessage } from '../src/messages.js';
import {
  CHECKPOINTS,
  conversationPrefix,
  docsToEntries,
  exemplarsByIntent,
  foldOf,
  loadAbcd,
  loadConversations,
  scorableConversations,
  type AbcdConversation,
  type Checkpoint,
  type EvalEntry,
} from './eval/abcd.js';
import { Bm25Index } from './eval/bm25.js';
import { rankingMetrics, type RankingMetrics } from './eval/metrics.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    exemplars: { type: 'string' },
    folds: { type: 'string', default: '5' },
  },
});
if (args.data === undefined) {
  console.error('usage: npm run eval:retrieval -- --data DIR [--exemplars FILE] [--folds N]');
  process.exit(2);
}
const ADMIN_KEY = 'eval-retrieval-admin-key';
const headers = { authorization: `Bearer ${ADMIN_KEY}` };
const { docs, conversations } = loadAbcd(args.data);
const queries = scorableConversations(conversations);
const devFile = realpathSync(join(args.data, 'abcd_dev.jsonl'));
const crossValidate = args.exemplars !== undefined && realpathSync(args.exemplars) === devFile;
const exemplarSource: AbcdConversation[] | undefined =
  args.exemplars === undefined ? undefined : crossValidate ? queries : scorableConversations(loadConversations(args.exemplars));
const folds = crossValidate ? Number(args.folds) : 1;

const embedded = process.env.DATABASE_URL ? undefined : await openPglite();
const app = await buildApp(loadConfig({ ...process.env, COACH_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'warn' }), { db: embedded });

type Ranked = Map<Checkpoint, { goldId: string; rankedIds: string[] }[]>;
const coach: Ranked = new Map(CHECKPOINTS.map((c) => [c, []]));
const bm25: Ranked = new Map(CHECKPOINTS.map((c) => [c, []]));

async function coachRanking(libraryId: string, messages: ChatMessage[]): Promise<string[]> {
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${libraryId}/retrieve`, headers, payload: { messages, k: 10 } });
  if (res.statusCode !== 200) throw new Error(`retrieve failed: ${res.statusCode} ${res.body}`);
  return res.json().results.map((r: { external_id: string }) => r.external_id);
}

const entryText = (entry: EvalEntry) => [entry.scenario, ...entry.examples, entry.guidance].join(' ');
const started = performance.now();
let retrievals = 0;
for (let fold = 0; fold < folds; fold++) {
  const heldOut = crossValidate ? queries.filter((c) => foldOf(c.uid, folds) === fold) : queries;
  const training = exemplarSource === undefined ? [] : crossValidate ? queries.filter((c) => foldOf(c.uid, folds) !== fold) : exemplarSource;
  const entries = docsToEntries(docs, exemplarsByIntent(training, 'first-two-joined'));
  const library = (await app.inject({ method: 'POST', url: '/v1/libraries', headers, payload: { name: `abcd-fold-${fold}-${Date.now()}` } })).json();
  const imported = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${library.id}/guidance/import`,
    headers,
    payload: entries.map((e) => ({ external_id: e.id, scenario: e.scenario, guidance: e.guidance, examples: e.examples })),
  });
  if (imported.statusCode !== 200) throw new Error(`import failed: ${imported.body}`);
  const index = new Bm25Index(entries.map((entry) => ({ id: entry.id, tokens: contentTokens(entryText(entry)) })));
  for (const conversation of heldOut) {
    for (const checkpoint of CHECKPOINTS) {
      const messages = conversationPrefix(conversation, checkpoint);
      coach.get(checkpoint)!.push({ goldId: conversation.intent, rankedIds: await coachRanking(library.id, messages) });
      retrievals++;
      const tokens = messages.flatMap((m) => contentTokens(m.content));
      bm25.get(checkpoint)!.push({ goldId: conversation.intent, rankedIds: index.search(tokens).map((h) => h.id) });
    }
  }
  await app.inject({ method: 'DELETE', url: `/v1/libraries/${library.id}`, headers });
  process.stderr.write(`fold ${fold + 1}/${folds} done\n`);
}
const seconds = (performance.now() - started) / 1000;
await app.close();
await embedded?.close();

const fmt = (m: RankingMetrics) => `${m.accAt1.toFixed(3)} | ${m.recallAt5.toFixed(3)} | ${m.mrr.toFixed(3)}`;
const mode = exemplarSource === undefined ? 'docs only' : crossValidate ? `docs + exemplars, ${folds}-fold cross-validation` : `docs + exemplars from ${args.exemplars}`;
console.log(`ABCD dev: ${queries.length} conversations, ${docs.length} guidance entries, ${mode}; ${retrievals} retrievals in ${seconds.toFixed(1)} s`);
console.log('| checkpoint | ranker | acc@1 | recall@5 | MRR |');
console.log('|---|---|---|---|---|');
for (const checkpoint of CHECKPOINTS) {
  const label = checkpoint === 'whole' ? 'whole dialogue' : `after customer turn ${checkpoint}`;
  console.log(`| ${label} | Coach /retrieve | ${fmt(rankingMetrics(coach.get(checkpoint)!))} |`);
  console.log(`| ${label} | BM25 baseline | ${fmt(rankingMetrics(bm25.get(checkpoint)!))} |`);
}
