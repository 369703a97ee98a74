import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Type, type Static } from 'typebox';
import { composePrompt } from '../chat/composer.js';
import type { GuidanceNote } from '../chat/types.js';
import type { ChatModel } from '../models/chat-model.js';
import { ModelCalls } from '../teacher/model-calls.js';
import type { Prompt } from '../teacher/prompts.js';
import { policySection } from '../teacher/transcript-text.js';
import { UsageTally } from './usage-tally.js';

/**
 * The generic arm's notes: one playbook the teacher writes from the policy alone, conditioned on
 * no scenario, composed into the student's prompt exactly as Coach composes retrieved notes and
 * held to the same CHAT_GUIDANCE_TOKEN_BUDGET. Written once per policy, prompt, budget and teacher,
 * and cached in a file, so reruns, resumed runs and transfer runs all measure the same playbook.
 */
export interface GenericPlaybook {
  text: string;
  /** Estimated tokens of the playbook as composed into the prompt (the rendered note), as the budget counts them. */
  tokens: number;
  budget: number;
  prompt: string;
  teacher_model: string;
  /** sha256 of policy text, prompt version, budget and teacher model: the cache key. */
  key: string;
  cache_file: string;
  /** The teacher's tokens for writing it, once. */
  usage: { model: string; prompt_tokens: number; completion_tokens: number };
  created_at: string;
}

export const PLAYBOOK_ID = 'generic-playbook';
const PLAYBOOK_SCENARIO = 'Any conversation under this policy';

const PlaybookOutput = Type.Object({ playbook: Type.String({ minLength: 1 }) }, { additionalProperties: false });
type PlaybookAnswer = Static<typeof PlaybookOutput>;

export const playbookNote = (text: string): GuidanceNote => ({ id: PLAYBOOK_ID, version: 1, score: 1, scenario: PLAYBOOK_SCENARIO, guidance: text });

/** The playbook's estimated tokens as the composer counts them against the budget; Infinity when it does not fit. */
export function composedTokens(text: string, budget: number): number {
  const composition = composePrompt({ policy: '', guidance: [playbookNote(text)], messages: [], guidanceTokenBudget: budget });
  return composition.used.length === 1 ? composition.guidanceTokens : Number.POSITIVE_INFINITY;
}

export function playbookKey(policy: string, prompt: Prompt, budget: number, teacherModel: string): string {
  return createHash('sha256').update(JSON.stringify([policy, prompt.version, budget, teacherModel])).digest('hex');
}

/** Words to ask for: the rendered note's markup takes ~30 tokens, and English runs ~1.5 estimated tokens a word. */
const wordsFor = (budget: number) => Math.max(20, Math.floor((budget - 30) / 1.6));

export class PlaybookBudgetError extends Error {
  constructor(budget: number) {
    super(`CHAT_GUIDANCE_TOKEN_BUDGET is ${budget}: the generic arm's playbook cannot fit in it, as no retrieved note could; raise it or leave generic out of --arms`);
    this.name = 'PlaybookBudgetError';
  }
}

export interface PlaybookOptions {
  policy: string;
  prompt: Prompt;
  budget: number;
  teacher: ChatModel;
  cacheDir: string;
  signal: AbortSignal;
}

/** The cached playbook for this policy, prompt, budget and teacher, or a new one written and cached. */
export async function genericPlaybook(options: PlaybookOptions): Promise<GenericPlaybook> {
  const { policy, prompt, budget, teacher } = options;
  if (composedTokens('x', budget) === Number.POSITIVE_INFINITY) throw new PlaybookBudgetError(budget);
  const key = playbookKey(policy, prompt, budget, teacher.model);
  const file = path.join(options.cacheDir, `${key}.json`);
  try {
    return { ...(JSON.parse(await readFile(file, 'utf8')) as GenericPlaybook), cache_file: file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const tally = new UsageTally();
  const calls = new ModelCalls({ teacher, student: teacher, customer: teacher }, tally.sink({ teacher: 'agent', student: 'agent', customer: 'agent' }), options.signal);
  const answer = await calls.structured<PlaybookAnswer>(
    'generic_playbook',
    PlaybookOutput,
    [
      { role: 'system', content: prompt.text },
      { role: 'user', content: `${policySection(policy)}\n\n# Length\nAt most ${wordsFor(budget)} words: the hard limit is ${budget} estimated tokens (about 4 characters each).` },
    ],
    (value) => {
      const tokens = composedTokens(value.playbook.trim(), budget);
      return tokens <= budget ? [] : [`the playbook is longer than the limit of ${budget} estimated tokens; shorten it to at most ${Math.floor(wordsFor(budget) * 0.8)} words`];
    },
  );
  const text = answer.playbook.trim();
  const used = tally.usage.agent!;
  const playbook: GenericPlaybook = {
    text,
    tokens: composedTokens(text, budget),
    budget,
    prompt: prompt.version,
    teacher_model: teacher.model,
    key,
    cache_file: file,
    usage: { model: used.model, prompt_tokens: used.prompt_tokens, completion_tokens: used.completion_tokens },
    created_at: new Date().toISOString(),
  };
  await mkdir(options.cacheDir, { recursive: true });
  // Written whole, then renamed: a run interrupted mid-write never leaves half a playbook to reuse.
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, JSON.stringify(playbook, null, 2) + '\n');
  await rename(partial, file);
  return playbook;
}
