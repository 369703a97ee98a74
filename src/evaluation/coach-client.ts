import type { ComposeBody, ComposeResponse } from '../chat/routes/chat-schemas.js';
import { coachRequest } from '../cli.js';
import type { ChatMessage } from '../messages.js';
import type { GuidanceEntryView, GuidanceHistory, GuidancePage } from '../library/routes/guidance-schemas.js';
import type { LibraryView } from '../library/routes/library-schemas.js';
import type { ModelList } from '../chat/routes/openai-schemas.js';

/** What the harness needs of a library: its policy and every entry with its provenance. */
export interface LibrarySnapshot {
  id: string;
  name: string;
  policy: string;
  entries: LibraryEntry[];
}

export type LibraryEntry = Pick<GuidanceEntryView, 'id' | 'version' | 'scenario' | 'guidance' | 'status' | 'provenance'>;

export interface ComposedPrompt {
  /** Coach's ChatMessages as it serialised them: the wire schema types each field, not which roles carry which. */
  messages: ChatMessage[];
  guidance: ComposeResponse['guidance'];
}

export interface TeacherJob {
  id: string;
  library_id: string;
  status: string;
  models: Record<string, string>;
  usage: Record<string, { model: string; calls: number; prompt_tokens: number; completion_tokens: number }>;
  produced_entry_ids: string[];
  merged_entry_ids: string[];
}

/** One decision point a teacher job wrote an entry from (GET …/guidance/{gid}/evidence). */
export interface Evidence {
  job_id: string;
  entry_id: string;
  source_id: string;
  decision_key: string;
  /** `states` and `siblings` (each with its state and teacher_reply); evidence from before groups has one `state` and `teacher_reply`. */
  evidence: { states?: unknown; siblings?: unknown; state?: unknown; teacher_reply?: unknown; [field: string]: unknown };
}

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

  /** A teacher job with its token usage per role (needs an admin or teacher key). */
  async job(id: string): Promise<TeacherJob> {
    return (await this.json('GET', `/v1/jobs/${encodeURIComponent(id)}`)) as TeacherJob;
  }

  /** What the teacher jobs stored when they wrote or changed an entry (needs an admin or teacher key). */
  async evidence(libraryId: string, entryId: string): Promise<Evidence[]> {
    const { items } = (await this.json('GET', `/v1/libraries/${encodeURIComponent(libraryId)}/guidance/${encodeURIComponent(entryId)}/evidence`)) as { items: Evidence[] };
    return items;
  }

  /** The student model Coach serves a library with (GET /v1/models), or null when the key does not see the library. */
  async studentModel(libraryId: string): Promise<string | null> {
    const { data } = (await this.json('GET', '/v1/models')) as ModelList;
    return data.find((m) => m.coach.library_id === libraryId)?.coach.student_model ?? null;
  }

  async compose(libraryId: string, messages: ComposeBody['messages'], conversationId: string): Promise<ComposedPrompt> {
    const body = (await this.json('POST', `/v1/libraries/${encodeURIComponent(libraryId)}/compose`, { messages, conversation_id: conversationId })) as ComposeResponse;
    return { messages: body.messages as ChatMessage[], guidance: body.guidance };
  }

  private async json(method: string, route: string, body?: unknown): Promise<unknown> {
    return JSON.parse(await coachRequest(this.baseUrl, method, route, { key: this.apiKey, body, timeoutMs: this.timeoutMs }));
  }
}
