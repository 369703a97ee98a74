import type { ComposeBody, ComposeResponse } from '../chat/routes/chat-schemas.js';
import { coachRequest } from '../cli.js';
import type { GuidanceEntryView, GuidanceHistory, GuidancePage } from '../library/routes/guidance-schemas.js';
import type { LibraryView } from '../library/routes/library-schemas.js';

/** What the harness needs of a library: its policy and every entry with its provenance. */
export interface LibrarySnapshot {
  id: string;
  name: string;
  policy: string;
  entries: LibraryEntry[];
}

export type LibraryEntry = Pick<GuidanceEntryView, 'id' | 'version' | 'scenario' | 'guidance' | 'status' | 'provenance'>;

export type ComposedPrompt = Pick<ComposeResponse, 'messages' | 'guidance'>;

/**
 * A running Coach over HTTP. The coach arm goes through the compose route, so its prompts are the
 * ones production serves (retrieval, budget, composition), traced like any frontend's.
 */
export class CoachClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly timeoutMs = 60_000,
  ) {}

  async library(id: string): Promise<LibrarySnapshot> {
    const library = (await this.json('GET', `/v1/libraries/${encodeURIComponent(id)}`)) as LibraryView;
    const entries: LibraryEntry[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = (await this.json('GET', `/v1/libraries/${encodeURIComponent(id)}/guidance?limit=500${query}`)) as GuidancePage;
      entries.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor !== null);
    return { id: library.id, name: library.name, policy: library.policy, entries };
  }

  /** Every version's provenance of an entry: a merged entry keeps earlier sources only in its history. */
  async provenanceHistory(libraryId: string, entryId: string): Promise<Record<string, unknown>[]> {
    const { items } = (await this.json('GET', `/v1/libraries/${encodeURIComponent(libraryId)}/guidance/${encodeURIComponent(entryId)}/history`)) as GuidanceHistory;
    return items.map((v) => v.provenance);
  }

  async compose(libraryId: string, messages: ComposeBody['messages'], conversationId: string): Promise<ComposedPrompt> {
    const body = (await this.json('POST', `/v1/libraries/${encodeURIComponent(libraryId)}/compose`, { messages, conversation_id: conversationId })) as ComposeResponse;
    return { messages: body.messages, guidance: body.guidance };
  }

  private async json(method: string, route: string, body?: unknown): Promise<unknown> {
    return JSON.parse(await coachRequest(this.baseUrl, method, route, { key: this.apiKey, body, timeoutMs: this.timeoutMs }));
  }
}
