/** An order desk's tools, and guidance that depends on which of them have run. */

export const ORDER_TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_order_details',
      description: 'Status and items of an order',
      parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'], additionalProperties: false },
      strict: true,
    },
  },
  {
    type: 'function' as const,
    function: {
      name: 'cancel_pending_order',
      description: 'Cancel an order that has not shipped',
      parameters: { type: 'object', properties: { order_id: { type: 'string' }, reason: { type: 'string', enum: ['no longer needed', 'ordered by mistake'] } } },
    },
  },
];

export const call = (id: string, name: string, args: object) => ({ id, type: 'function' as const, function: { name, arguments: JSON.stringify(args) } });

/** The customer asks to cancel; nothing has been looked up. */
export const cancelRequest = [
  { role: 'system' as const, content: 'You are the Acme order desk.' },
  { role: 'user' as const, content: 'Please cancel my order W2378156, I do not need it any more' },
];

/** The same request after the agent looked the order up, with the status the tool returned. */
export function afterLookup(status: string) {
  return [
    ...cancelRequest,
    { role: 'assistant' as const, content: null, tool_calls: [call('call_1', 'get_order_details', { order_id: 'W2378156' })] },
    { role: 'tool' as const, tool_call_id: 'call_1', content: JSON.stringify({ order_id: 'W2378156', status, total: 172.43 }) },
  ];
}

/** Two notes for one request: one for before the lookup, one for after it. */
export const LOOKUP_ENTRIES = [
  {
    external_id: 'cancel-before-lookup',
    scenario: 'Customer asks to cancel an order; the order has not been looked up yet',
    guidance: 'Call get_order_details before promising anything: only a pending order can be cancelled.',
    applies_when: { before_tools: ['get_order_details'] },
  },
  {
    external_id: 'cancel-after-lookup',
    scenario: 'Customer asks to cancel an order; the order details are known',
    guidance: 'Tell the customer the status you found. Only if it is pending, confirm the reason, then call cancel_pending_order.',
    applies_when: { after_tools: ['get_order_details'] },
  },
];

/** Two notes told apart only by the order's status, with no tool conditions. */
export const STATUS_ENTRIES = [
  {
    external_id: 'cancel-delivered',
    scenario: 'Customer wants to cancel an order that has already been delivered',
    guidance: 'A delivered order cannot be cancelled: offer a return instead.',
  },
  {
    external_id: 'cancel-pending',
    scenario: 'Customer wants to cancel an order that is still pending',
    guidance: 'Confirm the reason for cancelling, then cancel it.',
  },
];
