import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { ModelRole } from '../config.js';
import type { ChatMessage } from '../messages.js';
import type { ChatModel, SamplingParams, Usage } from '../models/chat-model.js';

/** A model answered with JSON that does not fit its schema, even after one repair attempt. */
export class InvalidModelOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidModelOutputError';
  }
}

export interface UsageSink {
  add(role: ModelRole, model: string, usage: Usage | null): Promise<void>;
}

/** Extra checks a schema cannot express (word counts, quotes of the policy); returns problems. */
export type OutputCheck<T> = (value: T) => string[];

/**
 * `response_format` is not among ChatModel's SamplingParams, but ChatModel passes its params to the
 * SDK unchanged, so a structured call rides on the same client, timeout and retries.
 */
type StructuredParams = SamplingParams & {
  response_format: { type: 'json_schema'; json_schema: { name: string; schema: TSchema; strict: boolean } };
};

const validators = new WeakMap<TSchema, ReturnType<typeof Compile>>();

function validator(schema: TSchema) {
  let compiled = validators.get(schema);
  if (compiled === undefined) {
    compiled = Compile(schema);
    validators.set(schema, compiled);
  }
  return compiled;
}

/** Models often fence JSON in markdown even when asked not to. */
function stripFence(text: string): string {
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(text.trim());
  return fenced === null ? text.trim() : fenced[1]!;
}

function problemsOf<T>(raw: string, schema: TSchema, check: OutputCheck<T> | undefined): { value?: T; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(stripFence(raw));
  } catch (err) {
    return { problems: [`it is not valid JSON (${(err as Error).message})`] };
  }
  const compiled = validator(schema);
  if (!compiled.Check(value)) {
    const errors = [...compiled.Errors(value)].slice(0, 10).map((e) => `${e.instancePath === '' ? '(root)' : e.instancePath} ${e.message}`);
    return { problems: errors };
  }
  const extra = check?.(value as T) ?? [];
  return extra.length > 0 ? { problems: extra } : { value: value as T, problems: [] };
}

/** The models of one job, their calls cancelled by `signal` and their tokens counted in `usage`. */
export class ModelCalls {
  constructor(
    private readonly models: Record<ModelRole, ChatModel>,
    private readonly usage: UsageSink,
    private readonly signal: AbortSignal,
  ) {}

  async text(role: ModelRole, messages: ChatMessage[], params: SamplingParams = {}): Promise<string> {
    const model = this.models[role];
    const answer = await model.complete(messages, params, this.signal);
    await this.usage.add(role, model.model, answer.usage);
    return answer.content;
  }

  /**
   * A JSON answer of the teacher that fits `schema` (sent as `response_format`) and passes `check`.
   * An invalid answer gets one repair attempt, told exactly what was wrong.
   */
  async structured<T>(name: string, schema: TSchema, messages: ChatMessage[], check?: OutputCheck<T>): Promise<T> {
    const params: StructuredParams = {
      temperature: 0,
      // Not strict: servers differ in the keywords strict mode accepts; the answer is validated here.
      response_format: { type: 'json_schema', json_schema: { name, schema, strict: false } },
    };
    const first = await this.text('teacher', messages, params);
    const attempt = problemsOf<T>(first, schema, check);
    if (attempt.value !== undefined) return attempt.value;
    const repair: ChatMessage[] = [
      ...messages,
      { role: 'assistant', content: first },
      {
        role: 'user',
        content: `That answer cannot be used: ${attempt.problems.join('; ')}. Answer again with only the corrected JSON object, following the schema.`,
      },
    ];
    const second = problemsOf<T>(await this.text('teacher', repair, params), schema, check);
    if (second.value !== undefined) return second.value;
    throw new InvalidModelOutputError(`the teacher's ${name} answer was invalid after one repair attempt: ${second.problems.join('; ')}`);
  }
}
