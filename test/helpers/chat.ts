import type { FakeOpenAI } from './fake-openai.js';

export const STUDENT_MODEL = 'fake-student-1';
export const STUDENT_UPSTREAM_KEY = 'upstream-secret-for-the-student';

/** Environment pointing the student role at a fake server; retries and timeouts kept short. */
export function studentEnv(fake: FakeOpenAI, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    STUDENT_BASE_URL: fake.baseUrl,
    STUDENT_MODEL,
    STUDENT_API_KEY: STUDENT_UPSTREAM_KEY,
    STUDENT_TIMEOUT_MS: '5000',
    STUDENT_MAX_RETRIES: '0',
    ...overrides,
  };
}

export interface ServerSentEvent {
  event: string | null;
  data: string;
}

/** Parses a complete text/event-stream body. */
export function parseEventStream(body: string): ServerSentEvent[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event: string | null = null;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      return { event, data: data.join('\n') };
    });
}

export const refundConversation = [
  { role: 'system', content: 'You are the support agent of Acme. Be brief.' },
  { role: 'assistant', content: 'Hello, how can I help you today?' },
  { role: 'user', content: 'I bought a jacket 45 days ago and want to return it for my money back' },
];
