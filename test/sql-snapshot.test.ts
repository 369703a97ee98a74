import { readFileSync } from 'node:fs';
import t from 'tap';
import { renderSqlSnapshot } from '../src/sql-snapshot.js';

t.test('sql/statements.sql is exactly the SQL the code builds', async (t) => {
  const committed = readFileSync(new URL('../sql/statements.sql', import.meta.url), 'utf8');
  t.equal(renderSqlSnapshot(), committed, 'run npm run sql:snapshot and review the diff');
});
