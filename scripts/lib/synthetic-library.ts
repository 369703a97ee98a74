import { seededRandom } from '../../src/evaluation/stats.js';

/**
 * Deterministic synthetic customer-service guidance for load tests: combinations of situations,
 * products, conditions and personas, so 100k entries are distinct but share vocabulary as a real
 * library does.
 */
const ACTIONS = [
  'wants a refund for', 'asks to return', 'reports a missing', 'wants to exchange', 'complains about a damaged',
  'asks about the warranty of', 'wants to cancel the order of', 'asks for the delivery date of', 'was double charged for',
  'cannot find the tracking number for', 'received the wrong', 'wants a price match on', 'asks to change the address for',
  'wants to upgrade the shipping of', 'reports a defect in', 'asks how to assemble', 'wants an invoice for',
  'disputes a fee on', 'asks to pause the subscription for', 'wants to gift wrap',
];
const PRODUCTS = [
  'blender', 'laptop', 'running shoes', 'winter jacket', 'coffee machine', 'phone case', 'office chair', 'headphones',
  'backpack', 'smart watch', 'desk lamp', 'yoga mat', 'vacuum cleaner', 'tablet', 'monitor', 'keyboard', 'sofa',
  'mattress', 'bicycle', 'camera', 'printer', 'router', 'kettle', 'toaster', 'microwave', 'air fryer', 'drill',
  'lawn mower', 'tent', 'suitcase', 'sunglasses', 'wallet', 'perfume', 'board game', 'guitar', 'stroller',
  'car seat', 'bookshelf', 'rug', 'curtains',
];
const CONDITIONS = [
  'after the 30-day return window', 'bought with a gift card', 'as a premium member', 'shipped internationally',
  'ordered during a sale', 'with the box already opened', 'delivered to a neighbour', 'paid in instalments',
  'bought as a gift', 'with a coupon applied', 'from a marketplace seller', 'that arrived two weeks late',
  'without a receipt', 'after a price drop', 'with a missing part', 'used only once', 'still in transit',
  'marked as delivered but not received', 'charged in the wrong currency', 'with an expired warranty',
  'on a business account', 'with a failed payment', 'split across two shipments', 'from a discontinued line',
  'with express shipping', 'bought in store', 'with a damaged label', 'from a pre-order', 'ordered twice by mistake',
  'with a loyalty discount',
];
const PERSONAS = ['an angry', 'a confused', 'a first-time', 'a long-standing', 'an elderly', 'a hurried', 'a polite', 'a frustrated', 'a business', 'a worried'];
const STEPS = [
  'Verify the customer identity with the account email and zip code.', 'Look up the order and confirm the purchase date.',
  'Explain the relevant policy clause in plain words.', 'Offer store credit when a refund is not allowed.',
  'Escalate to a supervisor if the customer asks twice.', 'Confirm the shipping address before changing anything.',
  'Never promise a date the carrier has not confirmed.', 'Apologise once, then move to a concrete next step.',
  'Check the warranty status before offering a repair.', 'Ask for a photo of the damage.',
  'Do not reveal account details before verification.', 'Summarise what will happen next and by when.',
];

const pick = <T>(list: readonly T[], random: () => number): T => list[Math.floor(random() * list.length)]!;

export interface SyntheticEntry {
  external_id: string;
  scenario: string;
  guidance: string;
  examples: string[];
  tags: string[];
}

/** Entry number `i` of the synthetic library; the same i always gives the same entry. */
export function syntheticEntry(i: number): SyntheticEntry {
  const action = ACTIONS[i % ACTIONS.length]!;
  const product = PRODUCTS[Math.floor(i / ACTIONS.length) % PRODUCTS.length]!;
  const condition = CONDITIONS[Math.floor(i / (ACTIONS.length * PRODUCTS.length)) % CONDITIONS.length]!;
  const persona = PERSONAS[Math.floor(i / (ACTIONS.length * PRODUCTS.length * CONDITIONS.length)) % PERSONAS.length]!;
  const random = seededRandom(i + 1);
  const steps = [pick(STEPS, random), pick(STEPS, random), pick(STEPS, random)];
  return {
    external_id: `synthetic-${i}`,
    scenario: `${persona} customer ${action} a ${product} ${condition}`,
    // Specific to the situation, as real guidance is: identical texts would be identical vectors.
    guidance: `When ${persona.replace(/^an? /, 'the ')} customer ${action} a ${product} ${condition}: ${steps.join(' ')}`,
    examples: [`hi, my ${product} ${condition}, and I ${action.replace(/^(wants|asks|reports|complains|was|cannot|received|disputes)/, 'need')} it`],
    tags: [action.split(' ')[0]!, product.replace(/ /g, '-')],
  };
}

/** A customer conversation about a random situation of the same vocabulary, for queries. */
export function syntheticConversation(seed: number): { role: 'user' | 'assistant'; content: string }[] {
  const random = seededRandom(seed * 7919 + 13);
  const product = pick(PRODUCTS, random);
  return [
    { role: 'assistant', content: 'Hello, how can I help you today?' },
    { role: 'user', content: `Hi, I ${pick(ACTIONS, random).replace(/^wants/, 'want')} my ${product}.` },
    { role: 'assistant', content: 'I can help with that. Can I have your order number?' },
    { role: 'user', content: `Sure. It is ${pick(CONDITIONS, random)}, is that a problem?` },
  ];
}
