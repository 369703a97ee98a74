import { ForbiddenError, NotFoundError } from '../errors.js';

export const ROLES = ['admin', 'teacher', 'student'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the API key that authenticated the request. */
export interface Principal {
  keyId: string;
  role: Role;
  /** null: every library. */
  libraryIds: string[] | null;
  /** null: never. */
  expiresAt: Date | null;
}

export function requireRole(principal: Principal, allowed: readonly Role[], action: string): void {
  if (!allowed.includes(principal.role)) {
    throw new ForbiddenError(`a ${principal.role} key cannot ${action}; requires ${allowed.join(' or ')}`);
  }
}

/** A library outside the key's scope is reported as absent, so keys cannot probe for other tenants. */
export function requireLibraryAccess(principal: Principal, libraryId: string): void {
  if (principal.libraryIds !== null && !principal.libraryIds.includes(libraryId)) {
    throw new NotFoundError('library', libraryId);
  }
}
