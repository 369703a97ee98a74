/** Indents every line of a statement nested in another, so the committed SQL snapshot reads like hand-written SQL. */
export function indent(sql: string, spaces = 2): string {
  return sql.replace(/^/gm, ' '.repeat(spaces));
}
