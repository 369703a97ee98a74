import { Type, type Static, type TObject, type TProperties, type TSchema, type TUnsafe } from 'typebox';
import { ValidationError } from '../errors.js';
import { conversationProblems, TOOL_NAME_PATTERN, toolProblems, type ChatMessage, type FieldProblem, type ToolChoice, type ToolDefinition } from '../messages.js';
import { Nullable, oneOf, OpenObject, ref } from './schemas.js';

interface MessageShape<Role extends string, Content extends TSchema, Extra extends TProperties> {
  roles: readonly Role[];
  roleDescription?: string;
  content: Content;
  /** Fields beside role and content. */
  extra?: Extra;
  /** Whether fields nobody reads (tool_calls, name...) are let through rather than refused. */
  additionalProperties: boolean;
  $id?: string;
}

/**
 * A conversation turn on the wire, in OpenAI chat shape (`user` is the customer, `assistant` the
 * agent). Routes differ in the roles and content they accept, not in the shape.
 */
export function messageSchema<Role extends string, Content extends TSchema, Extra extends TProperties = Record<never, never>>(
  shape: MessageShape<Role, Content, Extra>,
): TObject<{ role: TUnsafe<Role>; content: Content } & Extra> {
  const { roles, roleDescription, content, extra, additionalProperties, $id } = shape;
  const role = oneOf(roles, roleDescription === undefined ? {} : { description: roleDescription });
  const options = $id === undefined ? { additionalProperties } : { $id, additionalProperties };
  return Type.Object({ role, content, ...extra } as { role: TUnsafe<Role>; content: Content } & Extra, options);
}

const ToolName = Type.String({ pattern: TOOL_NAME_PATTERN, description: 'Letters, digits, _ and -, at most 64 (as OpenAI accepts)' });

/** A tool call of an assistant message, in OpenAI form. */
const ToolCallSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 200, description: 'Answered by the tool message whose tool_call_id it is' }),
    type: Type.Literal('function'),
    function: Type.Object(
      { name: ToolName, arguments: Type.String({ maxLength: 100_000, description: 'JSON text, as the model wrote it' }) },
      { additionalProperties: false },
    ),
  },
  { $id: 'ToolCall', additionalProperties: false },
);
export const ToolCallRef = ref(ToolCallSchema);

/**
 * A function tool, as a Chat Completions request declares it; passed to the student unchanged.
 * `custom` is declared only so that a custom tool is refused naming its `type`.
 */
export const ToolDefinitionSchema = Type.Object(
  {
    type: oneOf(['function'], { description: 'Only function tools: a custom tool is refused with 400' }),
    function: Type.Optional(
      Type.Object(
        {
          name: ToolName,
          description: Type.Optional(Type.String({ maxLength: 10_000 })),
          parameters: Type.Optional(OpenObject({ description: 'A JSON Schema object of the arguments' })),
          strict: Type.Optional(Nullable(Type.Boolean())),
        },
        { additionalProperties: false, description: 'Required' },
      ),
    ),
    custom: Type.Optional(OpenObject({ description: 'Not supported' })),
  },
  { $id: 'ToolDefinition', additionalProperties: false },
);

/** Registered once, by the http plugin: several features' schemas refer to them. */
export const toolSchemas = [ToolCallSchema, ToolDefinitionSchema];

/** The request fields that offer tools, the same on every route that calls or composes for a model. */
export const toolRequestFields = {
  tools: Type.Optional(Type.Array(ref(ToolDefinitionSchema), { minItems: 1, maxItems: 128, description: "Passed to the student (or, for compose, back to the caller) unchanged" })),
  tool_choice: Type.Optional(
    Type.Union([
      oneOf(['none', 'auto', 'required']),
      Type.Object({ type: Type.Literal('function'), function: Type.Object({ name: ToolName }, { additionalProperties: false }) }, { additionalProperties: false }),
    ]),
  ),
  parallel_tool_calls: Type.Optional(Type.Boolean()),
};

/** The tools of a request as the domain takes them, once what a schema cannot check is checked. */
export function checkedTools(
  body: { tools?: Static<typeof ToolDefinitionSchema>[]; tool_choice?: ToolChoice; parallel_tool_calls?: boolean },
  field = 'body',
): ToolDefinition[] | undefined {
  const problems: FieldProblem[] = [];
  body.tools?.forEach((tool, i) => {
    if (tool.custom !== undefined) problems.push({ field: `${field}.tools.${i}.custom`, message: 'is not supported: only function tools' });
    if (tool.function === undefined) problems.push({ field: `${field}.tools.${i}.function`, message: 'is required' });
  });
  if (problems.length > 0) throw ValidationError.fields(problems);
  const tools = body.tools?.map((tool) => ({ type: tool.type, function: tool.function! }));
  const choiceProblems = toolProblems(tools, body.tool_choice, field, body.parallel_tool_calls);
  if (choiceProblems.length > 0) throw ValidationError.fields(choiceProblems);
  return tools;
}

/**
 * A turn of a conversation in OpenAI form, tool calls and results included: what chat, compose,
 * retrieve and teacher transcripts accept.
 */
export function conversationMessage<Id extends string | undefined>(options: { $id?: Id; additionalProperties: boolean; maxLength: number }) {
  return messageSchema({
    roles: ['system', 'user', 'assistant', 'tool'],
    roleDescription:
      "user = the customer, assistant = the agent (its turn may be tool calls), tool = a tool's result given back to the agent; " +
      "leading system messages are the application's instructions",
    content: Nullable(Type.String({ maxLength: options.maxLength, description: 'null only in an assistant message with tool_calls' })),
    extra: {
      name: Type.Optional(Type.String({ maxLength: 200 })),
      tool_calls: Type.Optional(Type.Array(ToolCallRef, { maxItems: 128, description: 'Assistant messages: the calls the agent made' })),
      tool_call_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Tool messages (required there): the call this result answers' })),
      refusal: Type.Optional(Nullable(Type.String({ maxLength: options.maxLength }))),
    },
    additionalProperties: options.additionalProperties,
    ...(options.$id === undefined ? {} : { $id: options.$id }),
  });
}

type WireMessage = Static<ReturnType<typeof conversationMessage>>;

/** The conversation as the domain takes it, once what a schema cannot check is checked (see conversationProblems). */
export function checkedConversation(messages: WireMessage[], field: string): ChatMessage[] {
  const conversation = messages as ChatMessage[];
  const problems = conversationProblems(conversation, field);
  if (problems.length > 0) throw ValidationError.fields(problems);
  return conversation;
}
