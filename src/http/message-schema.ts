import { Type, type TObject, type TProperties, type TSchema, type TUnsafe } from 'typebox';
import { oneOf } from './schemas.js';

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
