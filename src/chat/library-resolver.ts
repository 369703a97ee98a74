import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/db.js';
import { NotFoundError } from '../errors.js';
import type { Libraries } from '../library/libraries.js';
import type { Library } from '../library/types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Finds a library by id or by its unique name, within the caller's scope. */
export class LibraryResolver {
  constructor(
    private readonly db: Db,
    private readonly libraries: Libraries,
  ) {}

  async resolve(principal: Principal, idOrName: string): Promise<Library> {
    if (UUID.test(idOrName)) return this.libraries.get(principal, idOrName);
    const [row] = await this.db.query<{ id: string }>('SELECT id FROM libraries WHERE name = $1', [idOrName]);
    const absent = new NotFoundError('library', idOrName);
    if (row === undefined) throw absent;
    // Out of scope reads as absent, by the name asked for: the id must not leak either.
    return this.libraries.get(principal, row.id).catch((err: unknown) => Promise.reject(err instanceof NotFoundError ? absent : err));
  }
}
