import type { Database } from './domain-data.js';
import { byCodePoint, pyIn, pyJsonDumps, pyKey, pyList, pyNum, pyRound, pyStr, PythonException } from './python-compat.js';
import type { ToolImplementations } from './tool-types.js';

/**
 * The retail tools as upstream τ-bench implements them: the same checks in the same order, the
 * same error texts, the same records appended (`payment_history` entries, `exchange_*`/`return_*`
 * fields) and gift-card balances rounded to cents as `round(balance, 2)` does. Each answers
 * `json.dumps` of the changed record.
 */

type Order = Record<string, any>;
type Address = { address1: unknown; address2: unknown; city: unknown; state: unknown; country: unknown; zip: unknown };

function address(args: Record<string, unknown>): Address {
  return { address1: args.address1, address2: args.address2, city: args.city, state: args.state, country: args.country, zip: args.zip };
}

/** Upstream counts with `list.count`, so every copy of a duplicated id needs its own item. */
function missingItem(itemIds: unknown[], orderItemIds: unknown[]): unknown {
  return itemIds.find((id) => itemIds.filter((x) => x === id).length > orderItemIds.filter((x) => x === id).length);
}

/** `[item for item in order["items"] if item["item_id"] == item_id][0]` */
function firstItem(order: Order, itemId: unknown): Record<string, any> {
  const item = pyList<Record<string, any>>(order.items, 'items').find((i) => pyKey(i, 'item_id') === itemId);
  if (item === undefined) throw new PythonException('list index out of range');
  return item;
}

/** Old and new items must pair up within one product, each new one available; the summed price change. */
function priceDifference(db: Database, order: Order, itemIds: unknown[], newItemIds: unknown[]): number | string {
  let diff = 0;
  for (let i = 0; i < Math.min(itemIds.length, newItemIds.length); i++) {
    const item = firstItem(order, itemIds[i]);
    const variants = pyKey(pyKey(db.products, item.product_id), 'variants');
    const newItemId = newItemIds[i];
    if (!(pyIn(variants, newItemId) && pyKey(pyKey(variants, newItemId), 'available'))) return `Error: new item ${pyStr(newItemId)} not found or available`;
    diff += pyNum(pyKey(variants[newItemId as string], 'price'), 'price') - pyNum(item.price, 'price');
  }
  return diff;
}

interface ItemSwap {
  itemIds: unknown[];
  newItemIds: unknown[];
  diff: number;
  method: Record<string, any>;
}

/** The checks exchange and modify share, in upstream's order: items, pairing, prices, payment method. */
function itemSwap(db: Database, order: Order, item_ids: unknown, new_item_ids: unknown, paymentMethodId: unknown): ItemSwap | string {
  const itemIds = pyList(item_ids, 'item_ids');
  const missing = missingItem(itemIds, pyList<Record<string, unknown>>(order.items, 'items').map((i) => i.item_id));
  if (missing !== undefined) return `Error: ${pyStr(missing)} not found`;
  const newItemIds = pyList(new_item_ids, 'new_item_ids');
  if (itemIds.length !== newItemIds.length) return 'Error: the number of items to be exchanged should match';
  const diff = priceDifference(db, order, itemIds, newItemIds);
  if (typeof diff === 'string') return diff;
  const methods = pyKey(pyKey(db.users, order.user_id), 'payment_methods');
  if (!pyIn(methods, paymentMethodId)) return 'Error: payment method not found';
  return { itemIds, newItemIds, diff, method: methods[paymentMethodId as string] };
}

/** `order["payment_history"][0]` */
function firstPayment(order: Order): Record<string, any> {
  const first = pyList<Record<string, any>>(order.payment_history, 'payment_history')[0];
  if (first === undefined) throw new PythonException('list index out of range');
  return first;
}

const sortedIds = (ids: unknown[]) => [...ids].sort((a, b) => byCodePoint(pyStr(a), pyStr(b)));

export const RETAIL_TOOLS: ToolImplementations = {
  cancel_pending_order(db, { order_id, reason }) {
    const orders = db.orders!;
    if (!pyIn(orders, order_id)) return 'Error: order not found';
    const order = orders[order_id as string];
    if (order.status !== 'pending') return 'Error: non-pending order cannot be cancelled';
    if (reason !== 'no longer needed' && reason !== 'ordered by mistake') return 'Error: invalid reason';
    const refunds = [];
    for (const payment of pyList<Record<string, any>>(order.payment_history, 'payment_history')) {
      const paymentId = pyKey<string>(payment, 'payment_method_id');
      refunds.push({ transaction_type: 'refund', amount: payment.amount, payment_method_id: paymentId });
      // A gift card is refunded at once; other methods take 5-7 business days, outside the database.
      if (paymentId.includes('gift_card')) {
        const method = pyKey(pyKey(pyKey(db.users, order.user_id), 'payment_methods'), paymentId);
        method.balance = pyRound(pyNum(method.balance, 'balance') + pyNum(payment.amount, 'amount'), 2);
      }
    }
    order.status = 'cancelled';
    order.cancel_reason = reason;
    order.payment_history.push(...refunds);
    return pyJsonDumps(order);
  },

  exchange_delivered_order_items(db, { order_id, item_ids, new_item_ids, payment_method_id }) {
    const orders = db.orders!;
    if (!pyIn(orders, order_id)) return 'Error: order not found';
    const order = orders[order_id as string];
    if (order.status !== 'delivered') return 'Error: non-delivered order cannot be exchanged';
    const swap = itemSwap(db, order, item_ids, new_item_ids, payment_method_id);
    if (typeof swap === 'string') return swap;
    const { itemIds, newItemIds, method } = swap;
    const priceDiff = pyRound(swap.diff, 2);
    if (method.source === 'gift_card' && pyNum(method.balance, 'balance') < priceDiff) {
      return 'Error: insufficient gift card balance to pay for the price difference';
    }
    // The exchange is only requested here; payment happens when the items come back.
    order.status = 'exchange requested';
    order.exchange_items = sortedIds(itemIds);
    order.exchange_new_items = sortedIds(newItemIds);
    order.exchange_payment_method_id = payment_method_id;
    order.exchange_price_difference = priceDiff;
    return pyJsonDumps(order);
  },

  find_user_id_by_email(db, { email }) {
    const wanted = pyStrLower(email, 'email');
    for (const [userId, profile] of Object.entries(db.users!)) if (pyStrLower(profile.email, 'email') === wanted) return userId;
    return 'Error: user not found';
  },

  find_user_id_by_name_zip(db, { first_name, last_name, zip }) {
    // Evaluated as upstream's `and` chain, so a bad last name only matters once a first name matches.
    for (const [userId, profile] of Object.entries(db.users!)) {
      if (
        pyStrLower(profile.name.first_name, 'first_name') === pyStrLower(first_name, 'first_name') &&
        pyStrLower(profile.name.last_name, 'last_name') === pyStrLower(last_name, 'last_name') &&
        profile.address.zip === zip
      ) {
        return userId;
      }
    }
    return 'Error: user not found';
  },

  get_order_details(db, { order_id }) {
    return pyIn(db.orders, order_id) ? pyJsonDumps(db.orders![order_id as string]) : 'Error: order not found';
  },

  get_product_details(db, { product_id }) {
    return pyIn(db.products, product_id) ? pyJsonDumps(db.products![product_id as string]) : 'Error: product not found';
  },

  get_user_details(db, { user_id }) {
    return pyIn(db.users, user_id) ? pyJsonDumps(db.users![user_id as string]) : 'Error: user not found';
  },

  list_all_product_types(db) {
    const byName = new Map<string, unknown>();
    for (const product of Object.values(db.products!)) byName.set(product.name, product.product_id);
    const sorted = [...byName.entries()].sort(([a], [b]) => byCodePoint(a, b));
    return pyJsonDumps(Object.fromEntries(sorted));
  },

  modify_pending_order_address(db, args) {
    const orders = db.orders!;
    if (!pyIn(orders, args.order_id)) return 'Error: order not found';
    const order = orders[args.order_id as string];
    if (order.status !== 'pending') return 'Error: non-pending order cannot be modified';
    order.address = address(args);
    return pyJsonDumps(order);
  },

  modify_pending_order_items(db, { order_id, item_ids, new_item_ids, payment_method_id }) {
    const orders = db.orders!;
    if (!pyIn(orders, order_id)) return 'Error: order not found';
    const order = orders[order_id as string];
    if (order.status !== 'pending') return 'Error: non-pending order cannot be modified';
    const swap = itemSwap(db, order, item_ids, new_item_ids, payment_method_id);
    if (typeof swap === 'string') return swap;
    const { itemIds, newItemIds, diff, method } = swap;
    if (method.source === 'gift_card' && pyNum(method.balance, 'balance') < diff) return 'Error: insufficient gift card balance to pay for the new item';
    // Upstream records the unrounded difference here (and rounds only the balance).
    order.payment_history.push({ transaction_type: diff > 0 ? 'payment' : 'refund', amount: Math.abs(diff), payment_method_id });
    if (method.source === 'gift_card') method.balance = pyRound(method.balance - diff, 2);
    for (let i = 0; i < itemIds.length; i++) {
      const item = firstItem(order, itemIds[i]);
      const variant = pyKey(pyKey(pyKey(db.products, item.product_id), 'variants'), newItemIds[i]);
      item.item_id = newItemIds[i];
      item.price = variant.price;
      item.options = variant.options;
    }
    order.status = 'pending (item modified)';
    return pyJsonDumps(order);
  },

  modify_pending_order_payment(db, { order_id, payment_method_id }) {
    const orders = db.orders!;
    if (!pyIn(orders, order_id)) return 'Error: order not found';
    const order = orders[order_id as string];
    if (order.status !== 'pending') return 'Error: non-pending order cannot be modified';
    const methods = pyKey(pyKey(db.users, order.user_id), 'payment_methods');
    if (!pyIn(methods, payment_method_id)) return 'Error: payment method not found';
    const history = pyList<Record<string, any>>(order.payment_history, 'payment_history');
    if (history.length > 1 || firstPayment(order).transaction_type !== 'payment') return 'Error: there should be exactly one payment for a pending order';
    const original = firstPayment(order);
    if (original.payment_method_id === payment_method_id) return 'Error: the new payment method should be different from the current one';
    const amount = pyNum(original.amount, 'amount');
    const method = methods[payment_method_id as string];
    if (method.source === 'gift_card' && pyNum(method.balance, 'balance') < amount) return 'Error: insufficient gift card balance to pay for the order';
    history.push(
      { transaction_type: 'payment', amount, payment_method_id },
      { transaction_type: 'refund', amount, payment_method_id: original.payment_method_id },
    );
    if (method.source === 'gift_card') method.balance = pyRound(method.balance - amount, 2);
    if (String(original.payment_method_id).includes('gift_card')) {
      const old = pyKey(methods, original.payment_method_id);
      old.balance = pyRound(pyNum(old.balance, 'balance') + amount, 2);
    }
    return pyJsonDumps(order);
  },

  modify_user_address(db, args) {
    const users = db.users!;
    if (!pyIn(users, args.user_id)) return 'Error: user not found';
    const user = users[args.user_id as string];
    user.address = address(args);
    return pyJsonDumps(user);
  },

  return_delivered_order_items(db, { order_id, item_ids, payment_method_id }) {
    const orders = db.orders!;
    if (!pyIn(orders, order_id)) return 'Error: order not found';
    const order = orders[order_id as string];
    if (order.status !== 'delivered') return 'Error: non-delivered order cannot be returned';
    if (!pyIn(pyKey(pyKey(db.users, order.user_id), 'payment_methods'), payment_method_id)) return 'Error: payment method not found';
    if (!String(payment_method_id).includes('gift_card') && payment_method_id !== pyKey(firstPayment(order), 'payment_method_id')) {
      return 'Error: payment method should be either the original payment method or a gift card';
    }
    const itemIds = pyList(item_ids, 'item_ids');
    if (missingItem(itemIds, pyList<Record<string, unknown>>(order.items, 'items').map((i) => i.item_id)) !== undefined) return 'Error: some item not found';
    order.status = 'return requested';
    order.return_items = sortedIds(itemIds);
    order.return_payment_method_id = payment_method_id;
    return pyJsonDumps(order);
  },
};

/** `s.lower()`, which only a string has. */
function pyStrLower(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new PythonException(`'${name}' must be a string`);
  return value.toLowerCase();
}
