import t from 'tap';
import { changedRecords } from '../src/evaluation/tau/changed-records.js';
import { TauEnvironment } from '../src/evaluation/tau/environment.js';
import { domainData } from './helpers/tau.js';

const data = await domainData('retail');

/** A fresh trial and a call on it, with what changed against the initial database. */
function call(name: string, args: Record<string, unknown>, env = new TauEnvironment(data)) {
  const outcome = env.callTool(name, args);
  return { ...outcome, env, changed: changedRecords(data.db, env.db) };
}

const NOTHING = { orders: [], products: [], users: [] };

t.test('cancel: a non-pending order is refused with upstream text and nothing changes', async (t) => {
  const processed = call('cancel_pending_order', { order_id: '#W1770559', reason: 'no longer needed' });
  t.equal(processed.observation, 'Error: non-pending order cannot be cancelled');
  t.equal(processed.error, true);
  t.same(processed.changed, NOTHING);
  t.equal(processed.env.toolErrors, 1);

  t.equal(call('cancel_pending_order', { order_id: 'W1013897', reason: 'no longer needed' }).observation, 'Error: order not found', 'the # is part of the id');
  const reason = call('cancel_pending_order', { order_id: '#W1013897', reason: 'changed my mind' });
  t.equal(reason.observation, 'Error: invalid reason');
  t.same(reason.changed, NOTHING);
});

t.test('cancel: refunds every payment, a gift card at once (balance rounded to cents)', async (t) => {
  const { observation, env, changed, error } = call('cancel_pending_order', { order_id: '#W1013897', reason: 'ordered by mistake' });
  t.equal(error, false);
  const order = env.db.orders!['#W1013897'];
  t.equal(order.status, 'cancelled');
  t.equal(order.cancel_reason, 'ordered by mistake');
  t.same(order.payment_history, [
    { amount: 152.56, payment_method_id: 'gift_card_6369065', transaction_type: 'payment' },
    { transaction_type: 'refund', amount: 152.56, payment_method_id: 'gift_card_6369065' },
  ]);
  t.equal(env.db.users!.juan_garcia_9528.payment_methods.gift_card_6369065.balance, 176.56, 'round(24 + 152.56, 2)');
  t.same(changed, { orders: ['#W1013897'], products: [], users: ['juan_garcia_9528'] });
  t.same(JSON.parse(observation), order, 'answers the order after the change');
  t.match(observation, /^\{"address": \{"address1": /, 'as json.dumps writes it');
  t.equal(call('cancel_pending_order', { order_id: '#W1013897', reason: 'ordered by mistake' }, env).observation, 'Error: non-pending order cannot be cancelled', 'only once');
});

t.test('modify items: unrounded price difference recorded, gift card balance rounded, status changes once', async (t) => {
  const args = { order_id: '#W4538969', item_ids: ['4875647558', '9580569596'], new_item_ids: ['3709608322', '8555936349'], payment_method_id: 'gift_card_3902147' };
  const { env, changed, error } = call('modify_pending_order_items', args);
  t.equal(error, false);
  const order = env.db.orders!['#W4538969'];
  t.equal(order.status, 'pending (item modified)');
  // (2744.7 - 2805.77) + (226.49 - 257.38) in Python is -91.96000000000015.
  t.same(order.payment_history.at(-1), { transaction_type: 'refund', amount: 91.96000000000015, payment_method_id: 'gift_card_3902147' });
  t.equal(env.db.users!.yara_martin_9470.payment_methods.gift_card_3902147.balance, 99.96);
  t.same(
    order.items.map((i: { item_id: string; price: number }) => [i.item_id, i.price]),
    [
      ['3709608322', 2744.7],
      ['3104857380', 377.97],
      ['7441167885', 2866.37],
      ['8555936349', 226.49],
    ],
  );
  t.same(order.items[0].options, data.db.products!['4354588079'].variants['3709608322'].options);
  t.same(changed, { orders: ['#W4538969'], products: [], users: ['yara_martin_9470'] });
  t.equal(call('modify_pending_order_items', args, env).observation, 'Error: non-pending order cannot be modified', 'items can be modified once');
});

t.test('modify items: each refusal is upstream text and changes nothing', async (t) => {
  const base = { order_id: '#W4538969', item_ids: ['9580569596'], new_item_ids: ['8555936349'], payment_method_id: 'paypal_9012851' };
  const cases: [Record<string, unknown>, string][] = [
    [{ item_ids: ['9580569596', '9580569596'], new_item_ids: ['8555936349', '8555936349'] }, 'Error: 9580569596 not found'],
    [{ new_item_ids: ['8555936349', '1646531091'] }, 'Error: the number of items to be exchanged should match'],
    [{ new_item_ids: ['2499294441'] }, 'Error: new item 2499294441 not found or available'],
    [{ new_item_ids: ['1157853815'] }, 'Error: new item 1157853815 not found or available'],
    [{ payment_method_id: 'paypal_0000000' }, 'Error: payment method not found'],
    [{ item_ids: ['4875647558'], new_item_ids: ['3951031513'], payment_method_id: 'gift_card_3902147' }, 'Error: insufficient gift card balance to pay for the new item'],
  ];
  for (const [override, expected] of cases) {
    const result = call('modify_pending_order_items', { ...base, ...override });
    t.equal(result.observation, expected, JSON.stringify(override));
    t.same(result.changed, NOTHING);
  }
});

t.test('modify payment: a second payment and a refund of the first; a gift card must cover the total', async (t) => {
  const refused = call('modify_pending_order_payment', { order_id: '#W4538969', payment_method_id: 'gift_card_3902147' });
  t.equal(refused.observation, 'Error: insufficient gift card balance to pay for the order');
  t.same(refused.changed, NOTHING);
  t.equal(call('modify_pending_order_payment', { order_id: '#W4538969', payment_method_id: 'credit_card_1006622' }).observation, 'Error: the new payment method should be different from the current one');

  const { env, observation } = call('modify_pending_order_payment', { order_id: '#W4538969', payment_method_id: 'paypal_9012851' });
  const order = env.db.orders!['#W4538969'];
  t.equal(order.status, 'pending', 'the order stays pending');
  t.same(order.payment_history.slice(1), [
    { transaction_type: 'payment', amount: 6307.49, payment_method_id: 'paypal_9012851' },
    { transaction_type: 'refund', amount: 6307.49, payment_method_id: 'credit_card_1006622' },
  ]);
  t.same(JSON.parse(observation), order);
  t.equal(call('modify_pending_order_payment', { order_id: '#W4538969', payment_method_id: 'credit_card_1006622' }, env).observation, 'Error: there should be exactly one payment for a pending order');
});

t.test('exchange and return of a delivered order record the request, sorted, with the rounded difference', async (t) => {
  const exchange = call('exchange_delivered_order_items', { order_id: '#W1067251', item_ids: ['6452271382'], new_item_ids: ['1646531091'], payment_method_id: 'gift_card_2259499' });
  const exchanged = exchange.env.db.orders!['#W1067251'];
  t.equal(exchanged.status, 'exchange requested');
  t.same([exchanged.exchange_items, exchanged.exchange_new_items, exchanged.exchange_payment_method_id], [['6452271382'], ['1646531091'], 'gift_card_2259499']);
  t.equal(exchanged.exchange_price_difference, -26.35, 'round(232.49 - 258.84, 2)');
  t.equal(exchange.env.db.users!.raj_sanchez_2970.payment_methods.gift_card_2259499.balance, 30, 'nothing is paid until the items come back');
  t.same(exchange.changed, { orders: ['#W1067251'], products: [], users: [] });
  t.equal(call('exchange_delivered_order_items', { order_id: '#W1067251', item_ids: ['6452271382'], new_item_ids: ['1646531091'], payment_method_id: 'gift_card_2259499' }, exchange.env).observation, 'Error: non-delivered order cannot be exchanged');

  const returned = call('return_delivered_order_items', { order_id: '#W1341845', item_ids: ['6704763132', '4402162122'], payment_method_id: 'credit_card_6450164' });
  const order = returned.env.db.orders!['#W1341845'];
  t.equal(order.status, 'return requested');
  t.same(order.return_items, ['4402162122', '6704763132'], 'sorted');
  t.equal(order.return_payment_method_id, 'credit_card_6450164');
  t.same(returned.changed, { orders: ['#W1341845'], products: [], users: [] });

  const refusals: [Record<string, unknown>, string][] = [
    [{ payment_method_id: 'credit_card_6680679' }, 'Error: payment method should be either the original payment method or a gift card'],
    [{ payment_method_id: 'credit_card_0000000' }, 'Error: payment method not found'],
    [{ item_ids: ['6704763132', '6704763132'] }, 'Error: some item not found'],
    [{ order_id: '#W4538969' }, 'Error: non-delivered order cannot be returned'],
  ];
  for (const [args, expected] of refusals) {
    const refused = call('return_delivered_order_items', { order_id: '#W1341845', item_ids: ['6704763132'], payment_method_id: 'credit_card_6450164', ...args });
    t.equal(refused.observation, expected);
    t.same(refused.changed, NOTHING);
  }
});

t.test('look-ups answer json.dumps of the record, or upstream error text', async (t) => {
  t.equal(call('find_user_id_by_email', { email: 'nobody@example.com' }).observation, 'Error: user not found');
  const email = data.db.users!.yara_martin_9470.email as string;
  t.equal(call('find_user_id_by_email', { email: email.toUpperCase() }).observation, 'yara_martin_9470', 'case-insensitive');
  const { first_name, last_name } = data.db.users!.yara_martin_9470.name;
  const zip = data.db.users!.yara_martin_9470.address.zip;
  t.equal(call('find_user_id_by_name_zip', { first_name: first_name.toLowerCase(), last_name, zip }).observation, 'yara_martin_9470');
  t.equal(call('find_user_id_by_name_zip', { first_name, last_name, zip: '00000' }).observation, 'Error: user not found');
  t.same(JSON.parse(call('get_product_details', { product_id: '4354588079' }).observation), data.db.products!['4354588079']);
  t.equal(call('get_product_details', { product_id: '3709608322' }).observation, 'Error: product not found', 'an item id is not a product id');
  t.equal(call('get_order_details', { order_id: '#W0000000' }).observation, 'Error: order not found');
  const types = JSON.parse(call('list_all_product_types', {}).observation) as Record<string, string>;
  t.equal(Object.keys(types).length, 50);
  t.same(Object.keys(types), Object.keys(types).sort(), 'by name');
  t.equal(types['Espresso Machine'], '4354588079');
  const address = { address1: '1 Main St', address2: '', city: 'Austin', state: 'TX', country: 'USA', zip: '78701' };
  const moved = call('modify_user_address', { user_id: 'yara_martin_9470', ...address });
  t.same(moved.env.db.users!.yara_martin_9470.address, address);
  t.same(moved.changed, { orders: [], products: [], users: ['yara_martin_9470'] });
  t.equal(call('modify_pending_order_address', { order_id: '#W1770559', ...address }).observation, 'Error: non-pending order cannot be modified');
});

t.test('calls that do not fit: Python-like errors as text, never a throw; think and transfer', async (t) => {
  t.equal(call('cancel_pending_order', { order_id: '#W1013897' }).observation, "Error: CancelPendingOrder.invoke() missing 1 required positional argument: 'reason'");
  t.equal(call('modify_pending_order_payment', {}).observation, "Error: ModifyPendingOrderPayment.invoke() missing 2 required positional arguments: 'order_id' and 'payment_method_id'");
  t.equal(call('get_user_details', { user_id: 'x', verbose: true }).observation, "Error: GetUserDetails.invoke() got an unexpected keyword argument 'verbose'");
  const unknown = call('delete_everything', {});
  t.same([unknown.observation, unknown.error, unknown.changed], ['Unknown action delete_everything', true, NOTHING]);
  t.equal(call('get_user_details', { user_id: ['a'] }).observation, "Error: unhashable type: 'list'");
  t.equal(call('return_delivered_order_items', { order_id: '#W1341845', item_ids: '6704763132', payment_method_id: 'credit_card_6450164' }).observation, "Error: item_ids must be a list, not 'str'");
  t.equal(call('get_user_details', [] as unknown as Record<string, unknown>).observation, 'Error: the arguments of get_user_details must be a JSON object');
  const think = call('think', { thought: 'the order is pending' });
  t.same([think.observation, think.error, think.terminates], ['', false, false]);
  const transfer = call('transfer_to_human_agents', { summary: 'wants a human' });
  t.same([transfer.observation, transfer.terminates], ['Transfer successful', true]);
  t.equal(call('calculate', { expression: '152.56 + 24' }).observation, '176.56');
});

t.test('each trial mutates its own copy; the gold kwargs it was given stay untouched', async (t) => {
  const args = { order_id: '#W1013897', reason: 'no longer needed' };
  const first = new TauEnvironment(data);
  first.callTool('cancel_pending_order', args);
  t.equal(first.db.orders!['#W1013897'].status, 'cancelled');
  t.equal(data.db.orders!['#W1013897'].status, 'pending', 'the shared database is unchanged');
  t.equal(new TauEnvironment(data).db.orders!['#W1013897'].status, 'pending');
  const address = { order_id: '#W4538969', address1: '1 Main St', address2: '', city: 'Austin', state: 'TX', country: 'USA', zip: '78701' };
  const env = new TauEnvironment(data);
  env.callTool('modify_pending_order_address', address);
  env.db.orders!['#W4538969'].address.city = 'Elsewhere';
  t.equal(address.city, 'Austin');
});
