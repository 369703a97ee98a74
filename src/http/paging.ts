import { Type, type TSchema } from 'typebox';
import type { Paged } from '../db/paged.js';
import { MAX_INT32, Nullable } from './schemas.js';

/** Query fields of every listing paged by offset, with the total that matches its filters. */
export const PageQueryFields = {
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Items per page' }),
  offset: Type.Integer({ minimum: 0, maximum: MAX_INT32, default: 0, description: 'Items to skip: the next_offset of the previous page' }),
};

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ description: 'Items matching the filters, on every page' }),
    next_offset: Nullable(Type.Integer({ description: 'offset of the next page; null on the last' })),
  });

export function page<T, V>({ items, total }: Paged<T>, offset: number, view: (item: T) => V): { items: V[]; total: number; next_offset: number | null } {
  const next = offset + items.length;
  return { items: items.map(view), total, next_offset: next < total && items.length > 0 ? next : null };
}
