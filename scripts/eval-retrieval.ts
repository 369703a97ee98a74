/**
 * ABCD retrieval benchmark through the real service: each fold's library is imported over HTTP
 * (app.inject) into in-memory PGlite (or --database-url), and every held-out conversation is sent
 * to POST /retrieve after customer turns 1, 2, 3 and whole. Plain BM25 over the same entries is the
 * baseline in the same run.
 *
 * When the exemplars file is the dev file itself, k-fold cross-validation keeps every scored
 * conversation out of the examples it is scored against.
 */
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { defineCommand, integerOption, runCommand, UnreachableError, UsageError } from '../src/cli.js';
import { loadConfig } from '../src/config.js';
import { openPglite } from '../src/db/pglite-db.js';
import { ServiceUnavailableError } from '../src/errors.js';
import { contentTokens } from '../src/retrieval/local-embedder.js';
import type { TextMessage } from '../src/messages.js';
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
import { formatDifference, pairedDifference, rankingMetrics, type RankingMetrics } from './eval/metrics.js';
import { wilson } from '../src/teacher/lift-interval.js';
import { parseExampleCounts, runLearningCurve } from './eval/learning-curve.js';
import { runStateLevel } from './eval/state-level.js';
import { selectionSweep, type ScoredHit } from './eval/selection-sweep.js';
import { TfidfCentroids } from './eval/tfidf-centroid.js';

const spec = defineCommand({
  name: 'eval:retrieval',
  summary: 'ABCD retrieval benchmark through the real service: acc@1, recall@5 and MRR of POST /retrieve next to plain BM25.',
  options: {
    data: { type: 'string', placeholder: 'DIR', description: 'the derived ABCD data (guidance_docs.jsonl, abcd_dev.jsonl)', required: true },
    exemplars: { type: 'string', placeholder: 'FILE', description: "labelled conversations whose opening customer turns become their intent's examples" },
    folds: { type: 'string', placeholder: 'N', description: 'cross-validation folds when the exemplars are the dev file itself', default: '5' },
    level: {
      type: 'string',
      placeholder: 'intent|state',
      description: 'intent: an entry per guidance document, queries after customer turns 1, 2, 3 and whole; state: an entry per numbered step, a query before every agent action',
      default: 'intent',
    },
    'examples-per-entry': {
      type: 'string',
      placeholder: 'N,N,…,all',
      description:
        'the learning curve instead: each library starts from its documents, and N of its training conversations per entry are added step by step ' +
        'through POST …/guidance/{gid}/examples (messages after customer turns 1, 2, 3, as traffic would); acc@1 and recall@5 after turns 1, 2, 3 at each step. Needs --exemplars',
    },
    'database-url': {
      type: 'string',
      placeholder: 'URL',
      description: 'a scratch PostgreSQL database to run on instead of in-memory PGlite (DATABASE_URL is not used: it may be the live one)',
    },
  },
  notes: 'The embedder and retrieval settings come from the environment, as for the service (EMBEDDER, EMBEDDINGS_*, RETRIEVAL_CANDIDATES, ...).',
  failure: 'the benchmark failed',
  unreachable: 'the PostgreSQL server of --database-url cannot be reached',
});

type Ranked = Map<Checkpoint, { goldId: string; rankedIds: string[] }[]>;
const entryText = (entry: EvalEntry) => [entry.scenario, ...entry.examples, entry.guidance].join(' ');
const fmt = (m: RankingMetrics) => {
  const [low, high] = wilson(Math.round(m.accAt1 * m.count), m.count);
  return `${m.accAt1.toFixed(3)} | ${low.toFixed(3)}–${high.toFixed(3)} | ${m.recallAt5.toFixed(3)} | ${m.mrr.toFixed(3)}`;
};

await runCommand(spec, async (args) => {
  const folds = integerOption('folds', args.folds, 2, 100);
  if (args.level !== 'intent' && args.level !== 'state') throw new UsageError(`--level must be intent or state, got "${args.level}"`);
  const { docs, conversations } = loadAbcd(args.data);
  const queries = scorableConversations(conversations);
  const devFile = realpathSync(join(args.data, 'abcd_dev.jsonl'));
  const crossValidate = args.exemplars !== undefined && realpathSync(args.exemplars) === devFile;
  const exemplarSource: AbcdConversation[] | undefined =
    args.exemplars === undefined ? undefined : crossValidate ? queries : scorableConversations(loadConversations(args.exemplars));
  const foldCount = crossValidate ? folds : 1;

  const curve = args['examples-per-entry'] === undefined ? undefined : parseExampleCounts(args['examples-per-entry']);
  if (curve !== undefined && (args.level !== 'intent' || exemplarSource === undefined)) {
    throw new UsageError('--examples-per-entry needs --exemplars (the conversations to add) and --level intent');
  }

  // Its own admin key, never a known one: with --database-url it stays in that database's keys.
  const adminKey = `eval-retrieval-${randomBytes(16).toString('hex')}`;
  const headers = { authorization: `Bearer ${adminKey}` };
  const databaseUrl = args['database-url'];
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new UsageError(`--database-url must be a postgres:// URL, got "${databaseUrl}"`);
  const embedded = databaseUrl === undefined ? await openPglite() : undefined;
  const app = await buildApp(loadConfig({ ...process.env, DATABASE_URL: databaseUrl, COACH_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn', RATE_LIMIT_ADMIN: '0' }), { db: embedded }).catch(
    (err: unknown) => {
      if (!(err instanceof ServiceUnavailableError) || databaseUrl === undefined) throw err;
      throw new UnreachableError('PostgreSQL', new URL(databaseUrl).host, (err.details as { cause?: string } | undefined)?.cause ?? err.message);
    },
  );

  if (curve !== undefined) {
    await runLearningCurve({ app, headers, docs, queries, exemplarSource: exemplarSource!, crossValidate, foldCount, counts: curve });
    await app.close();
    await embedded?.close();
    return;
  }

  if (args.level === 'state') {
    await runStateLevel({ app, headers, docs, queries, exemplarSource, crossValidate, foldCount, exemplarsFile: args.exemplars });
    await app.close();
    await embedded?.close();
    return;
  }

  const coach: Ranked = new Map(CHECKPOINTS.map((c) => [c, []]));
  const bm25: Ranked = new Map(CHECKPOINTS.map((c) => [c, []]));
  const tfidf: Ranked = new Map(CHECKPOINTS.map((c) => [c, []]));

  const coachScored = new Map<Checkpoint, { goldId: string; hits: ScoredHit[] }[]>(CHECKPOINTS.map((c) => [c, []]));
  async function coachRanking(libraryId: string, messages: TextMessage[]): Promise<ScoredHit[]> {
    const res = await app.inject({ method: 'POST', url: `/v1/libraries/${libraryId}/retrieve`, headers, payload: { messages, k: 10 } });
    if (res.statusCode !== 200) throw new Error(`retrieve failed: ${res.statusCode} ${res.body}`);
    return res.json().results.map((r: { external_id: string; score: number }) => ({ id: r.external_id, score: r.score }));
  }

  const started = performance.now();
  let retrievals = 0;
  for (let fold = 0; fold < foldCount; fold++) {
    const heldOut = crossValidate ? queries.filter((c) => foldOf(c.uid, foldCount) === fold) : queries;
    const training = exemplarSource === undefined ? [] : crossValidate ? queries.filter((c) => foldOf(c.uid, foldCount) !== fold) : exemplarSource;
    const entries = docsToEntries(docs, exemplarsByIntent(training));
    const library = (await app.inject({ method: 'POST', url: '/v1/libraries', headers, payload: { name: `abcd-fold-${fold}-${Date.now()}` } })).json();
    const imported = await app.inject({
      method: 'POST',
      url: `/v1/libraries/${library.id}/guidance/import`,
      headers,
      payload: entries.map((e) => ({ external_id: e.id, scenario: e.scenario, guidance: e.guidance, examples: e.examples })),
    });
    if (imported.statusCode !== 200) throw new Error(`import failed: ${imported.body}`);
    const index = new Bm25Index(entries.map((entry) => ({ id: entry.id, tokens: contentTokens(entryText(entry)) })));
    const centroids = new TfidfCentroids(entries.map((entry) => ({ id: entry.id, texts: [`${entry.scenario}\n${entry.guidance}`, ...entry.examples] })));
    for (const conversation of heldOut) {
      for (const checkpoint of CHECKPOINTS) {
        const messages = conversationPrefix(conversation, checkpoint);
        const hits = await coachRanking(library.id, messages);
        coach.get(checkpoint)!.push({ goldId: conversation.intent, rankedIds: hits.map((h) => h.id) });
        coachScored.get(checkpoint)!.push({ goldId: conversation.intent, hits });
        retrievals++;
        const tokens = messages.flatMap((m) => contentTokens(m.content));
        bm25.get(checkpoint)!.push({ goldId: conversation.intent, rankedIds: index.search(tokens).map((h) => h.id) });
        const text = messages.map((m) => m.content).join('\n');
        tfidf.get(checkpoint)!.push({ goldId: conversation.intent, rankedIds: centroids.search(text).filter((h) => h.score > 0).map((h) => h.id) });
      }
    }
    await app.inject({ method: 'DELETE', url: `/v1/libraries/${library.id}`, headers });
    process.stderr.write(`fold ${fold + 1}/${foldCount} done\n`);
  }
  const seconds = (performance.now() - started) / 1000;
  await app.close();
  await embedded?.close();

  const mode = exemplarSource === undefined ? 'docs only' : crossValidate ? `docs + exemplars, ${foldCount}-fold cross-validation` : `docs + exemplars from ${args.exemplars}`;
  console.log(`ABCD dev: ${queries.length} conversations, ${docs.length} guidance entries, ${mode}; ${retrievals} retrievals in ${seconds.toFixed(1)} s`);
  console.log('| checkpoint | ranker | acc@1 | 95% CI | recall@5 | MRR |');
  console.log('|---|---|---|---|---|---|');
  const label = (checkpoint: Checkpoint) => (checkpoint === 'whole' ? 'whole dialogue' : `after customer turn ${checkpoint}`);
  for (const checkpoint of CHECKPOINTS) {
    console.log(`| ${label(checkpoint)} | Coach /retrieve | ${fmt(rankingMetrics(coach.get(checkpoint)!))} |`);
    console.log(`| ${label(checkpoint)} | BM25 baseline | ${fmt(rankingMetrics(bm25.get(checkpoint)!))} |`);
    console.log(`| ${label(checkpoint)} | TF-IDF centroid baseline | ${fmt(rankingMetrics(tfidf.get(checkpoint)!))} |`);
  }
  console.log('');
  // The checkpoints are the same conversations, so these differences are not independent of each other.
  const hits = (ranked: Ranked, checkpoint: Checkpoint) => ranked.get(checkpoint)!.map((r) => r.rankedIds[0] === r.goldId);
  console.log('acc@1 of Coach minus each baseline, paired on the same conversations (95% CI; queries only Coach vs only the baseline got right):');
  for (const checkpoint of CHECKPOINTS) {
    const [mine, plain, centroid] = [coach, bm25, tfidf].map((ranked) => hits(ranked, checkpoint));
    console.log(`- ${label(checkpoint)}: BM25 ${formatDifference(pairedDifference(mine!, plain!))}; TF-IDF centroid ${formatDifference(pairedDifference(mine!, centroid!))}`);
  }
  console.log('');
  console.log(selectionSweep(coachScored.get(3)!, 'after customer turn 3').join('\n'));
});
