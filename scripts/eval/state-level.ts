/**
 * `eval:retrieval --level state`: the step-level ABCD benchmark through POST /retrieve (see
 * abcd-states.ts), with plain BM25 and a TF-IDF centroid over the same steps beside it. Ties count
 * against the method: an entry scoring the same as the gold one ranks before it.
 */
import type { FastifyInstance } from 'fastify';
import type { ChatMessage } from '../../src/messages.js';
import { contentTokens } from '../../src/retrieval/local-embedder.js';
import { exemplarsByIntent, foldOf, type AbcdConversation, type GuidanceDoc } from './abcd.js';
import { actionPoints, stepEntries, type ActionPoint, type StateDoc, type StepEntry } from './abcd-states.js';
import { Bm25Index } from './bm25.js';
import { TfidfCentroids } from './tfidf-centroid.js';
import { wilson } from '../../src/teacher/lift-interval.js';
import { formatDifference, pairedDifference } from './metrics.js';

interface Scored {
  id: string;
  score: number;
}

interface Outcome {
  point: ActionPoint;
  /** 0-based, ties counted against; -1 when the gold entry was not returned. */
  rank: number;
  intentCorrect: boolean;
}

/** Rank of the gold entry with every other entry scoring at least as much before it. */
function rankWithTies(goldId: string, scored: Scored[]): number {
  const gold = scored.find((s) => s.id === goldId);
  if (gold === undefined) return -1;
  return scored.filter((s) => s.id !== goldId && s.score >= gold.score).length;
}

const intentOf = (id: string) => id.slice(0, id.lastIndexOf('#'));

/** The gold intent's best entry scores above every entry of another intent. */
function intentCorrect(intent: string, scored: Scored[]): boolean {
  const best = (mine: boolean) => Math.max(-Infinity, ...scored.filter((s) => (intentOf(s.id) === intent) === mine).map((s) => s.score));
  return best(true) > best(false);
}

function outcome(point: ActionPoint, scored: Scored[]): Outcome {
  return { point, rank: rankWithTies(point.goldId, scored), intentCorrect: intentCorrect(point.intent, scored) };
}

function row(label: string, ranker: string, outcomes: Outcome[]): string {
  const n = outcomes.length;
  const at1 = outcomes.filter((o) => o.rank === 0).length;
  const [low, high] = wilson(at1, n);
  const share = (count: number) => (n === 0 ? 0 : count / n).toFixed(3);
  const mrr = n === 0 ? 0 : outcomes.reduce((sum, o) => sum + (o.rank < 0 ? 0 : 1 / (o.rank + 1)), 0) / n;
  const intent = share(outcomes.filter((o) => o.intentCorrect).length);
  return `| ${label} | ${ranker} | ${n} | ${share(at1)} (${low.toFixed(3)}–${high.toFixed(3)}) | ${share(outcomes.filter((o) => o.rank >= 0 && o.rank < 5).length)} | ${mrr.toFixed(3)} | ${intent} |`;
}

/** What BM25 reads of a message: its words, and the names and results of its tool calls. */
function messageText(message: ChatMessage): string {
  const calls = message.role === 'assistant' ? (message.tool_calls ?? []).map((call) => call.function.name.replace(/-/g, ' ')) : [];
  return [message.content ?? '', ...calls].join(' ');
}

export interface StateLevelRun {
  app: FastifyInstance;
  headers: Record<string, string>;
  docs: GuidanceDoc[];
  queries: AbcdConversation[];
  exemplarSource: AbcdConversation[] | undefined;
  crossValidate: boolean;
  foldCount: number;
  exemplarsFile: string | undefined;
}

export async function runStateLevel(run: StateLevelRun): Promise<void> {
  const { app, headers, queries, exemplarSource, crossValidate, foldCount } = run;
  const docs = run.docs as unknown as StateDoc[];
  const docOf = new Map(docs.map((doc) => [doc.intent, doc]));
  const pointsOf = (conversations: AbcdConversation[]) => conversations.flatMap((c) => actionPoints(c, docOf.get(c.intent)!));
  const coach: Outcome[] = [];
  const bm25: Outcome[] = [];
  const tfidf: Outcome[] = [];
  const started = performance.now();

  for (let fold = 0; fold < foldCount; fold++) {
    const heldOut = crossValidate ? queries.filter((c) => foldOf(c.uid, foldCount) === fold) : queries;
    const training = exemplarSource === undefined ? [] : crossValidate ? queries.filter((c) => foldOf(c.uid, foldCount) !== fold) : exemplarSource;
    const trainingPoints = pointsOf(training);
    const entries = stepEntries(docs, trainingPoints, exemplarsByIntent(training));
    const library = (await app.inject({ method: 'POST', url: '/v1/libraries', headers, payload: { name: `abcd-states-${fold}-${Date.now()}` } })).json();
    const imported = await app.inject({
      method: 'POST',
      url: `/v1/libraries/${library.id}/guidance/import`,
      headers,
      payload: entries.map((e: StepEntry) => ({
        external_id: e.id,
        scenario: e.scenario,
        guidance: e.guidance,
        examples: e.examples,
        applies_when: { after_tools: [], before_tools: e.beforeTools },
        procedure: e.procedure,
      })),
    });
    if (imported.statusCode !== 200) throw new Error(`import failed: ${imported.body}`);
    // The baselines know nothing of tool state, so the openings every step shares would only blur
    // their steps (BM25 .514 → .457, TF-IDF .643 → .565 acc@1): they rank the steps' own examples.
    const ownExamples = stepEntries(docs, trainingPoints);
    const index = new Bm25Index(ownExamples.map((e) => ({ id: e.id, tokens: contentTokens([e.scenario, ...e.examples, e.guidance].join(' ')) })));
    const centroids = new TfidfCentroids(ownExamples.map((e) => ({ id: e.id, texts: [`${e.scenario}\n${e.guidance}`, ...e.examples] })));
    for (const point of pointsOf(heldOut)) {
      const res = await app.inject({ method: 'POST', url: `/v1/libraries/${library.id}/retrieve`, headers, payload: { messages: point.messages, k: 50 } });
      if (res.statusCode !== 200) throw new Error(`retrieve failed: ${res.statusCode} ${res.body}`);
      coach.push(outcome(point, res.json().results.map((r: { external_id: string; score: number }) => ({ id: r.external_id, score: r.score }))));
      const text = point.messages.map(messageText).join('\n');
      bm25.push(outcome(point, index.search(contentTokens(text))));
      tfidf.push(outcome(point, centroids.search(text).filter((hit) => hit.score > 0)));
    }
    await app.inject({ method: 'DELETE', url: `/v1/libraries/${library.id}`, headers });
    process.stderr.write(`fold ${fold + 1}/${foldCount} done\n`);
  }
  const seconds = (performance.now() - started) / 1000;
  const mode = exemplarSource === undefined ? 'docs only' : crossValidate ? `docs + exemplars, ${foldCount}-fold cross-validation` : `docs + exemplars from ${run.exemplarsFile}`;
  console.log(`ABCD dev, state level: ${coach.length} action points, ${stepEntries(docs).length} step entries, ${mode}; ${coach.length} retrievals in ${seconds.toFixed(1)} s`);
  console.log('| actions | ranker | n | acc@1 (95% CI) | recall@5 | MRR | intent acc@1 |');
  console.log('|---|---|---|---|---|---|---|');
  const groups: [string, (o: Outcome) => boolean][] = [
    ['all', () => true],
    ['first action', (o) => o.point.first],
    ['later actions', (o) => !o.point.first],
  ];
  for (const [label, keep] of groups) {
    console.log(row(label, 'Coach /retrieve', coach.filter(keep)));
    console.log(row(label, 'BM25 baseline', bm25.filter(keep)));
    console.log(row(label, 'TF-IDF centroid baseline', tfidf.filter(keep)));
  }
  const hits = (outcomes: Outcome[]) => outcomes.map((o) => o.rank === 0);
  console.log(`acc@1 of Coach minus BM25, paired on the same action points (95% CI): ${formatDifference(pairedDifference(hits(coach), hits(bm25)))}`);
  console.log(`acc@1 of Coach minus the TF-IDF centroid, paired: ${formatDifference(pairedDifference(hits(coach), hits(tfidf)))}`);
}
