import { createHash } from 'node:crypto';
import type { TraceConfig } from '../config/traces.js';
import type { Db, Queryable } from '../db/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { exampleKey, MAX_EXAMPLE_LENGTH, MAX_EXAMPLES } from '../library/content.js';
import { mergeExamples } from '../library/guidance-revisions.js';
import type { GuidanceStore } from '../library/guidance-store.js';
import type { Actor, GuidanceEntry, Library } from '../library/types.js';
import type { ChatMessage } from '../messages.js';
import { exampleText } from '../retrieval/example-text.js';
import { teacherState, traceState, type FoundState } from './example-states.js';

/** What becomes the example: a trace's conversation, a teacher job's measured state, or curated input. */
export type ExampleInput =
  | { kind: 'trace'; traceId: string }
  | { kind: 'teacher'; jobId: string; decisionPoint: string }
  | { kind: 'messages'; messages: ChatMessage[] }
  | { kind: 'text'; text: string };

export type ExampleKind = ExampleInput['kind'];

export interface ExampleSource {
  kind: ExampleKind;
  trace_id: string | null;
  conversation_id: string | null;
  job_id: string | null;
  decision_point: string | null;
  /** The entry version that added the example. */
  entry_version: number;
  added_by: string | null;
  added_at: Date;
}

export interface EntryExample {
  /** Stable across edits: a hash of the text, case and spacing ignored. */
  id: string;
  text: string;
  /** null: written with the entry (create, import, edit, the teacher's note). */
  source: ExampleSource | null;
}

export interface AddedExample {
  added: boolean;
  example: EntryExample;
  entry: GuidanceEntry;
}

export const exampleId = (text: string) => createHash('sha256').update(exampleKey(text)).digest('hex').slice(0, 16);

// A write that lost a race with another edit of the entry is tried again on the entry as it then is.
const ATTEMPTS = 3;

const FIELD: Record<ExampleKind, string> = { trace: 'body.trace_id', teacher: 'body.decision_point', messages: 'body.messages', text: 'body.text' };

/**
 * Examples added to an entry one at a time, from live traffic or by hand. Each addition or removal
 * is the entry's next version (history and restore work as for any edit) and re-embeds it, so its
 * centroid and the next retrieval reflect it; where each example came from is kept beside it.
 */
export class GuidanceExamples {
  constructor(
    private readonly db: Db,
    private readonly store: GuidanceStore,
    private readonly traces: Pick<TraceConfig, 'retentionDays' | 'redactions'>,
  ) {}

  async add(library: Library, entryId: string, input: ExampleInput, actor: Pick<Actor, 'keyId'>): Promise<AddedExample> {
    await this.store.get(library.id, entryId);
    const state = await this.state(library, input);
    const text = (input.kind === 'text' ? input.text : exampleText(state.messages)).trim();
    const field = FIELD[input.kind];
    if (text === '') throw ValidationError.at(field, 'has no customer words or tool calls to make an example of');
    if (text.length > MAX_EXAMPLE_LENGTH) {
      throw ValidationError.at(field, `makes an example of ${text.length} characters, more than ${MAX_EXAMPLE_LENGTH}: send the turns that show the state as messages`);
    }
    const id = exampleId(text);
    for (let attempt = 1; ; attempt++) {
      const entry = await this.store.get(library.id, entryId);
      const same = entry.examples.find((example) => exampleId(example) === id);
      if (same !== undefined) return { added: false, example: (await this.withSources(entry.id, [same]))[0]!, entry };
      if (entry.examples.length >= MAX_EXAMPLES) {
        const problem = `the entry has ${MAX_EXAMPLES} examples, the most it keeps: delete one first`;
        throw new ValidationError(`examples: ${problem}`, [{ field: 'examples', message: problem }]);
      }
      let source: ExampleSource | undefined;
      try {
        const { entry: after } = await this.store.update(
          library,
          entryId,
          { examples: [...entry.examples, text], expectedVersion: entry.version },
          { keyId: actor.keyId, reason: `example ${id} added from ${describe(input, state)}` },
          async (tx, version) => {
            source = await recordSource(tx, entryId, id, input.kind, state, version, actor.keyId);
            await this.reviseExamples(tx, entryId, (examples) => mergeExamples(examples, [text]));
          },
        );
        return { added: true, example: { id, text, source: source! }, entry: after };
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt === ATTEMPTS) throw err;
      }
    }
  }

  /** The entry's examples in order, each with its source. */
  async list(library: Library, entryId: string): Promise<{ entry: GuidanceEntry; items: EntryExample[] }> {
    const entry = await this.store.get(library.id, entryId);
    return { entry, items: await this.withSources(entry.id, entry.examples) };
  }

  async remove(library: Library, entryId: string, id: string, actor: Pick<Actor, 'keyId'>): Promise<{ entry: GuidanceEntry; example: EntryExample }> {
    for (let attempt = 1; ; attempt++) {
      const entry = await this.store.get(library.id, entryId);
      const text = entry.examples.find((example) => exampleId(example) === id);
      if (text === undefined) throw new NotFoundError(`example ${id} of guidance entry`, entryId);
      const [example] = await this.withSources(entry.id, [text]);
      try {
        const { entry: after } = await this.store.update(
          library,
          entryId,
          { examples: entry.examples.filter((other) => exampleId(other) !== id), expectedVersion: entry.version },
          { keyId: actor.keyId, reason: `example ${id} removed` },
          (tx) => this.reviseExamples(tx, entryId, (examples) => examples.filter((other) => exampleId(other) !== id)),
        );
        return { entry: after, example: example! };
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt === ATTEMPTS) throw err;
      }
    }
  }

  private state(library: Library, input: ExampleInput): Promise<FoundState> {
    switch (input.kind) {
      case 'trace':
        return traceState(this.db, library.id, input.traceId, this.traces);
      case 'teacher':
        return teacherState(this.db, library.id, input.jobId, input.decisionPoint);
      case 'messages':
        return Promise.resolve({ messages: input.messages });
      case 'text':
        return Promise.resolve({ messages: [] });
    }
  }

  /**
   * A revision waiting for review replaces the entry's examples when approved: it gets the same
   * change, so approving it neither drops an example added meanwhile nor brings back a removed one.
   */
  private async reviseExamples(tx: Queryable, entryId: string, change: (examples: string[]) => string[]): Promise<void> {
    const [pending] = await tx.query<{ id: string; examples: string[] }>(
      "SELECT id, examples FROM guidance_revisions WHERE entry_id = $1 AND status = 'pending' FOR UPDATE",
      [entryId],
    );
    if (pending !== undefined) await tx.query('UPDATE guidance_revisions SET examples = $2 WHERE id = $1', [pending.id, change(pending.examples)]);
  }

  private async withSources(entryId: string, examples: string[]): Promise<EntryExample[]> {
    const ids = examples.map(exampleId);
    const rows = await this.db.query<ExampleSource & { example_id: string }>(
      `SELECT example_id, kind, trace_id, conversation_id, job_id, decision_point, entry_version, added_by, added_at
       FROM guidance_example_sources WHERE entry_id = $1 AND example_id = ANY($2::text[])`,
      [entryId, ids],
    );
    const byId = new Map(rows.map(({ example_id, ...source }) => [example_id, source]));
    return examples.map((text, i) => ({ id: ids[i]!, text, source: byId.get(ids[i]!) ?? null }));
  }
}

function describe(input: ExampleInput, state: FoundState): string {
  switch (input.kind) {
    case 'trace':
      return `trace ${state.traceId}`;
    case 'teacher':
      return `teacher job ${state.jobId} decision point ${state.decisionPoint}`;
    case 'messages':
      return 'curated messages';
    case 'text':
      return 'curated text';
  }
}

/** Replaces an earlier source of the same text: an example removed and added again came from the second. */
async function recordSource(
  tx: Queryable,
  entryId: string,
  id: string,
  kind: ExampleKind,
  state: FoundState,
  version: number,
  addedBy: string | null,
): Promise<ExampleSource> {
  const [row] = await tx.query<ExampleSource>(
    `INSERT INTO guidance_example_sources (entry_id, example_id, kind, trace_id, conversation_id, job_id, decision_point, entry_version, added_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (entry_id, example_id) DO UPDATE SET kind = excluded.kind, trace_id = excluded.trace_id, conversation_id = excluded.conversation_id,
       job_id = excluded.job_id, decision_point = excluded.decision_point, entry_version = excluded.entry_version, added_by = excluded.added_by,
       added_at = now()
     RETURNING kind, trace_id, conversation_id, job_id, decision_point, entry_version, added_by, added_at`,
    [entryId, id, kind, state.traceId ?? null, state.conversationId ?? null, state.jobId ?? null, state.decisionPoint ?? null, version, addedBy],
  );
  return row!;
}
