import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { ChatMessage } from '../messages.js';
import type { ChatModel, Completion, CompletionParams, Usage } from '../models/chat-model.js';
import { extractJson } from './json-answer.js';
import type { ModelRole } from '../config.js';
import type { JobRole } from './types.js';

/** A model answered with JSON that does not fit its schema, even after one repair attempt. */
export class InvalidModelOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidModelOutputError';
  }
}

export interface UsageSink {
  add(role: JobRole, model: string, usage: Usage | null): Promise<void>;
}

/** Refuses the next call once a job has used its budget (throws BudgetReachedError). */
export type BudgetCheck = () => Promise<void>;

/** Extra checks a schema cannot express (word counts, quotes of the policy); returns problems. */
export type OutputCheck<T> = (value: T) => string[];

const validators = new WeakMap<TSchema, ReturnType<typeof Compile>>();

function validator(schema: TSchema) {
  let compiled = validators.get(schema);
  if (compiled === undefined) {
    compiled = Compile(schema);
    validators.set(schema, compiled);
  }
  return compiled;
}

function problemsOf<T>(raw: string, schema: TSchema, check: OutputCheck<T> | undefined): { value?: T; problems: string[] } {
  const value = extractJson(raw);
  if (value === undefined) return { problems: ['it is not valid JSON: no JSON object could be read from it'] };
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
    /** The judge is the teacher unless given. */
    private readonly models: Record<ModelRole, ChatModel> & { judge?: ChatModel },
    private readonly usage: UsageSink,
    private readonly signal: AbortSignal,
    private readonly budget: BudgetCheck = async () => {},
  ) {}

  /** The model name serving a role in this job (the judge's is shown in the job and the evidence). */
  modelName(role: JobRole): string {
    return this.model(role).model;
  }

  private model(role: JobRole): ChatModel {
    return role === 'judge' ? (this.models.judge ?? this.models.teacher) : this.models[role];
  }

  async complete(role: JobRole, messages: ChatMessage[], params: CompletionParams = {}): Promise<Completion> {
    await this.budget();
    const model = this.model(role);
    const answer = await model.complete(messages, params, this.signal);
    await this.usage.add(role, model.model, answer.usage);
    return answer;
  }

  async text(role: JobRole, messages: ChatMessage[], params: CompletionParams = {}): Promise<string> {
    return (await this.complete(role, messages, params)).content ?? '';
  }

  /**
   * A JSON answer of the teacher (or the judge) that fits `schema` (sent as `response_format`) and
   * passes `check`. The JSON may come wrapped in prose, fences or a `<think>` block. An invalid
   * answer gets one repair attempt, told exactly what was wrong.
   */
  async structured<T>(name: string, schema: TSchema, messages: ChatMessage[], check?: OutputCheck<T>, role: 'teacher' | 'judge' = 'teacher'): Promise<T> {
    const params: CompletionParams = {
      temperature: 0,
      // Not strict: servers differ in the keywords strict mode accepts; the answer is validated here.
      response_format: { type: 'json_schema', json_schema: { name, schema: schema as Record<string, unknown>, strict: false } },
    };
    const first = await this.text(role, messages, params);
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
    const second = problemsOf<T>(await this.text(role, repair, params), schema, check);
    if (second.value !== undefined) return second.value;
    throw new InvalidModelOutputError(`the ${role}'s ${name} answer was invalid after one repair attempt: ${second.problems.join('; ')}`);
  }
}
