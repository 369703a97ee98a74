import { AIRLINE_TOOLS } from './airline-tools.js';
import { cloneJson } from './json-values.js';
import { TauDataError, type Database, type Domain, type DomainData, type TauAction, type ToolSchema } from './domain-data.js';
import { RETAIL_TOOLS } from './retail-tools.js';
import { SHARED_TOOLS, TERMINATING_TOOLS } from './shared-tools.js';
import type { ToolImplementation } from './tool-types.js';

const DOMAIN_TOOLS: Record<Domain, Record<string, ToolImplementation>> = {
  retail: { ...SHARED_TOOLS, ...RETAIL_TOOLS },
  airline: { ...SHARED_TOOLS, ...AIRLINE_TOOLS },
};

/** The name upstream logs for a message to the user, as opposed to a tool call. */
export const RESPOND = 'respond';

export interface ToolOutcome {
  /** What the agent reads: the tool's JSON or text, or `Error: …`. */
  observation: string;
  error: boolean;
  /** The call ends the conversation (a transfer to a human). */
  terminates: boolean;
}

/** Upstream's error texts all start with "Error"; these two are its other failures. */
const isError = (observation: string) => observation.startsWith('Error') || observation.startsWith('Unknown action') || observation === 'Too many certificates';

/** `SearchDirectFlight`: the class name upstream's TypeErrors name. */
const className = (tool: string) => tool.replace(/(^|_)([a-z])/g, (_, _sep, ch: string) => ch.toUpperCase());

const quoted = (names: string[]) => names.map((n) => `'${n}'`);

/** What Python says when `invoke(data, **kwargs)` does not fit the tool's signature; null when it fits. */
function signatureError(schema: ToolSchema, args: Record<string, unknown>): string | null {
  const { name, parameters } = schema.function;
  const unexpected = Object.keys(args).find((key) => !Object.hasOwn(parameters.properties, key));
  if (unexpected !== undefined) return `${className(name)}.invoke() got an unexpected keyword argument '${unexpected}'`;
  const missing = parameters.required.filter((key) => !Object.hasOwn(args, key));
  if (missing.length === 0) return null;
  const list = quoted(missing);
  const names = list.length === 1 ? list[0] : list.length === 2 ? list.join(' and ') : `${list.slice(0, -1).join(', ')}, and ${list.at(-1)}`;
  return `${className(name)}.invoke() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${names}`;
}

/**
 * One trial's τ-bench environment: its own deep copy of the domain database, the domain's tools,
 * and the log of everything the agent did. Tool calls never throw: whatever goes wrong becomes the
 * `Error: …` text upstream would answer, and whatever a failing call had already changed stays
 * changed, as upstream leaves it.
 */
export class TauEnvironment {
  readonly db: Database;
  /** The agent's tool calls and (as `respond` actions) its messages, in order. */
  readonly actions: TauAction[] = [];
  /** The calls that failed, with what the agent was told. */
  readonly errors: { tool: string; observation: string }[] = [];
  private readonly schemas: Map<string, ToolSchema>;
  private readonly tools: Record<string, ToolImplementation>;

  constructor(readonly data: DomainData) {
    this.db = cloneJson(data.db);
    this.tools = DOMAIN_TOOLS[data.domain];
    this.schemas = new Map(data.tools.map((schema) => [schema.function.name, schema]));
    const unimplemented = [...this.schemas.keys()].filter((name) => this.tools[name] === undefined);
    if (unimplemented.length > 0) throw new TauDataError(`the ${data.domain} tool schemas name tools this environment does not have: ${unimplemented.join(', ')}`);
  }

  callTool(name: string, args: unknown): ToolOutcome {
    // The call's own copy: a tool may store its arguments, and the task's gold kwargs are shared by trials.
    const kwargs = cloneJson(args);
    this.actions.push({ name, kwargs: kwargs as Record<string, unknown> });
    const observation = this.invoke(name, kwargs);
    const error = isError(observation);
    if (error) this.errors.push({ tool: name, observation });
    return { observation, error, terminates: TERMINATING_TOOLS.has(name) };
  }

  /** A message of the agent to the user; the required outputs are looked for in these. */
  respond(content: string): void {
    this.actions.push({ name: RESPOND, kwargs: { content } });
  }

  get toolCalls(): number {
    return this.actions.filter((a) => a.name !== RESPOND).length;
  }

  get toolErrors(): number {
    return this.errors.length;
  }

  get messages(): string[] {
    return this.actions.filter((a) => a.name === RESPOND).map((a) => String(a.kwargs.content));
  }

  private invoke(name: string, args: unknown): string {
    const schema = this.schemas.get(name);
    const tool = this.tools[name];
    if (schema === undefined || tool === undefined) return `Unknown action ${name}`;
    if (typeof args !== 'object' || args === null || Array.isArray(args)) return `Error: the arguments of ${name} must be a JSON object`;
    const mismatch = signatureError(schema, args as Record<string, unknown>);
    if (mismatch !== null) return `Error: ${mismatch}`;
    try {
      return tool(this.db, args as Record<string, unknown>);
    } catch (err) {
      return `Error: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}
