/** One page of a listing as stores return it: the items, and how many match the filters in all. */
export interface Paged<T> {
  items: T[];
  total: number;
}
