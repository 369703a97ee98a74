/** SQLSTATE of a unique violation; pg and PGlite both report it, and the constraint's name, on the error. */
const UNIQUE_VIOLATION = '23505';

/**
 * Whether a statement failed on a unique constraint (or unique index), and when `constraint` is
 * given, on that one: the caller turns it into the conflict it stands for.
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const { code, constraint: violated } = (err ?? {}) as { code?: unknown; constraint?: unknown };
  return code === UNIQUE_VIOLATION && (constraint === undefined || violated === constraint);
}
