/**
 * `eval:retrieval --examples-per-entry 0,2,5,10,all`: the learning curve of a library that learns
 * from use. Each fold's library starts from its documents alone; training conversations are then
 * added to their intent's entry through POST …/guidance/{gid}/examples in messages form, as live
 * traffic would add them (the conversation after its customer turns 1, 2 and 3, as the traces of
 * those turns hold it), a few per entry at a time, and the held-out conversations are scored after
 * each step. The same library grows through every step, so each row is the one before plus more use.
 */
import type { FastifyInstance } from 'fastify';
import { UsageError } from '../../src/cli.js';
import { wilson } from '../../src/teacher/lift-interval.js';
import { conversationPrefix, docsToEntries, foldOf, uidHash, type AbcdConversation, type Checkpoint, type GuidanceDoc } from './abcd.js';
import { rankingMetrics } from './metrics.js';

/** Conversations per entry at each step; 'all': every training conversation of the intent. */
export type ExampleCount = number | 'all';

const TURNS: readonly Checkpoint[] = [1, 2, 3];
const EMPTY_EXAMPLE = 'has no customer words or tool calls';

/** "0,2,5,10,all" → the steps in increasing order, each once. */
export function parseExampleCounts(raw: string): ExampleCount[] {
  const counts = raw.split(',').map((part) => part.trim());
  const numbers = counts.filter((part) => part !== 'all').map((part) => {
    if (!/^\d{1,4}$/.test(part)) throw new UsageError(`--examples-per-entry takes numbers of conversations per entry and "all", comma-separated (e.g. 0,2,5,10,all), got "${part}"`);
    return Number(part);
  });
  const steps: ExampleCount[] = [...new Set(numbers)].sort((a, b) => a - b);
  return counts.includes('all') ? [...steps, 'all'] : steps;
}

/** An intent's training conversations in an order that depends on neither the file nor the fold. */
export function trainingOrder(training: AbcdConversation[]): Map<string, AbcdConversation[]> {
  const byIntent = new Map<string, AbcdConversation[]>();
  for (const conversation of [...training].sort((a, b) => uidHash(a.uid) - uidHash(b.uid) || a.uid.localeCompare(b.uid))) {
    byIntent.set(conversation.intent, [...(byIntent.get(conversation.intent) ?? []), conversation]);
  }
  return byIntent;
}

export interface LearningCurveRun {
  app: FastifyInstance;
  headers: Record<string, string>;
  docs: GuidanceDoc[];
  queries: AbcdConversation[];
  exemplarSource: AbcdConversation[];
  crossValidate: boolean;
  foldCount: number;
  counts: ExampleCount[];
}

interface StepResult {
  ranked: Map<Checkpoint, { goldId: string; rankedIds: string[] }[]>;
  conversations: number;
  examples: number;
  entries: number;
}

export async function runLearningCurve(run: LearningCurveRun): Promise<void> {
  const { app, headers, docs, queries, exemplarSource, crossValidate, foldCount, counts } = run;
  const steps = new Map<ExampleCount, StepResult>(counts.map((count) => [count, { ranked: new Map(TURNS.map((c) => [c, []])), conversations: 0, examples: 0, entries: 0 }]));
  const request = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => {
    const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
    return res.body === '' ? undefined : res.json();
  };
  const started = performance.now();
  let added = 0;
  let empty = 0;
  for (let fold = 0; fold < foldCount; fold++) {
    const heldOut = crossValidate ? queries.filter((c) => foldOf(c.uid, foldCount) === fold) : queries;
    const training = trainingOrder(crossValidate ? queries.filter((c) => foldOf(c.uid, foldCount) !== fold) : exemplarSource);
    const library = await request('POST', '/v1/libraries', { name: `abcd-curve-${fold}-${Date.now()}` });
    const entries = docsToEntries(docs);
    const { ids } = await request('POST', `/v1/libraries/${library.id}/guidance/import`, entries.map((e) => ({ external_id: e.id, scenario: e.scenario, guidance: e.guidance })));
    const entryOf = new Map(entries.map((entry, i) => [entry.id, ids[i] as string]));
    let given = 0;
    for (const count of counts) {
      const step = steps.get(count)!;
      for (const [intent, conversations] of training) {
        const upTo = count === 'all' ? conversations.length : Math.min(count, conversations.length);
        for (const conversation of conversations.slice(given, upTo)) {
          for (const turn of TURNS) {
            const url = `/v1/libraries/${library.id}/guidance/${entryOf.get(intent)}/examples`;
            const res = await app.inject({ method: 'POST', url, headers, payload: { messages: conversationPrefix(conversation, turn) } });
            // A greeting alone has nothing to learn from: the endpoint says so, as it would to live traffic.
            if (res.statusCode === 400 && res.json().error.message.includes(EMPTY_EXAMPLE)) empty++;
            else if (res.statusCode === 201) added++;
            else if (res.statusCode !== 200) throw new Error(`POST ${url} answered ${res.statusCode}: ${res.body}`);
          }
        }
      }
      given = count === 'all' ? Infinity : count;
      const { items } = await request('GET', `/v1/libraries/${library.id}/guidance?limit=500`);
      step.entries += items.length;
      step.examples += items.reduce((sum: number, entry: { examples: string[] }) => sum + entry.examples.length, 0);
      for (const conversations of training.values()) step.conversations += Math.min(conversations.length, given);
      for (const conversation of heldOut) {
        for (const turn of TURNS) {
          const { results } = await request('POST', `/v1/libraries/${library.id}/retrieve`, { messages: conversationPrefix(conversation, turn), k: 10 });
          step.ranked.get(turn)!.push({ goldId: conversation.intent, rankedIds: results.map((r: { external_id: string }) => r.external_id) });
        }
      }
    }
    await request('DELETE', `/v1/libraries/${library.id}`);
    process.stderr.write(`fold ${fold + 1}/${foldCount} done\n`);
  }
  const seconds = (performance.now() - started) / 1000;
  const mode = crossValidate ? `${foldCount}-fold cross-validation` : 'examples from the exemplars file';
  console.log(`ABCD dev learning curve: ${queries.length} conversations, ${docs.length} entries, ${mode}; ${added} examples added through POST …/examples (${empty} refused as empty: greetings only) in ${seconds.toFixed(1)} s`);
  console.log('| conversations per entry | examples per entry (mean) | after customer turn 1: acc@1 (95% CI) | R@5 | turn 2: acc@1 (95% CI) | R@5 | turn 3: acc@1 (95% CI) | R@5 |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [count, step] of steps) {
    const cells = TURNS.map((turn) => {
      const results = step.ranked.get(turn)!;
      const metrics = rankingMetrics(results);
      const [low, high] = wilson(Math.round(metrics.accAt1 * metrics.count), metrics.count);
      return `${metrics.accAt1.toFixed(3)} (${low.toFixed(3)}–${high.toFixed(3)}) | ${metrics.recallAt5.toFixed(3)}`;
    });
    const conversations = count === 'all' ? `all (${(step.conversations / Math.max(1, step.entries)).toFixed(1)})` : String(count);
    console.log(`| ${conversations} | ${(step.examples / Math.max(1, step.entries)).toFixed(1)} | ${cells.join(' | ')} |`);
  }
  console.log(`n = ${queries.length} held-out conversations per cell; a conversation added is up to 3 examples (after its customer turns 1, 2 and 3; fewer when it is shorter, or when a turn has no content words)`);
}
