import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { requireRole, type Principal } from '../../auth/principal.js';
import { ValidationError } from '../../errors.js';
import type { GuidancePatch, GuidanceStore, ListFilters } from '../../library/guidance-store.js';
import type { Libraries } from '../../library/libraries.js';
import type { GuidanceInput, GuidanceStatus } from '../../library/types.js';
import { IdempotencyHeaders, type IdempotencyKeys } from '../../http/idempotency.js';
import { jsonTooDeep, TOO_DEEP } from '../../http/input-guards.js';
import { errorResponses, IdParams, MAX_INT32 } from '../../http/schemas.js';
import {
  EntryParams,
  ExportQuery,
  GuidanceEntryView,
  GuidanceInputBody,
  GuidancePatchBody,
  GuidanceVersionView,
  GuidanceWriteResult,
  ListQuery,
} from './guidance-schemas.js';

const NDJSON = 'application/x-ndjson';

function requireWriter(principal: Principal): void {
  requireRole(principal, ['admin', 'teacher'], 'write guidance');
}

const commaList = (value: string | undefined) =>
  value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s !== '');

interface FilterQuery {
  status?: string;
  tags?: string;
  q?: string;
}

const filters = ({ status, tags, q }: FilterQuery): ListFilters => ({ status: commaList(status) as GuidanceStatus[] | undefined, tags: commaList(tags), q });

/** JSONL bodies become arrays, so the import route validates both forms with one schema. */
function parseNdjson(_request: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void): void {
  const items: unknown[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (jsonTooDeep(line)) {
      done(ValidationError.at('body', `line ${i + 1} ${TOO_DEEP}`));
      return;
    }
    try {
      items.push(JSON.parse(line));
    } catch {
      done(ValidationError.at('body', `line ${i + 1} is not valid JSON`));
      return;
    }
  }
  done(null, items);
}

export function guidanceRoutes(app: FastifyInstance, libraries: Libraries, store: GuidanceStore, idempotency: IdempotencyKeys): void {
  app.addSchema(GuidanceEntryView);
  app.addSchema(GuidanceInputBody);
  app.addContentTypeParser(NDJSON, { parseAs: 'string' }, parseNdjson);
  const EntryRef = Type.Ref('GuidanceEntry');
  const actor = (request: FastifyRequest, reason?: string) => ({ keyId: request.principal.keyId, reason });

  app.post<{ Params: { id: string }; Body: GuidanceInput }>(
    '/v1/libraries/:id/guidance',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Add one guidance entry (admin, teacher); reports near-duplicates',
        description: 'With an external_id that exists, the entry is updated as a new version when its content changed.',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: Type.Ref('GuidanceInput'),
        response: { 201: GuidanceWriteResult, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      requireWriter(request.principal);
      const library = await libraries.get(request.principal, request.params.id);
      return idempotency.run(request, reply, 201, (alsoStore) => store.create(library, request.body, actor(request), alsoStore));
    },
  );

  app.post<{ Params: { id: string }; Body: GuidanceInput[] }>(
    '/v1/libraries/:id/guidance/import',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Bulk import (JSON array, or JSONL with content-type application/x-ndjson); atomic and idempotent',
        description:
          'Entries match existing ones by external_id (or id, as an export carries it). Changed content becomes a new version; ' +
          'unchanged entries are left alone. Imported entries default to approved. All or nothing.',
        params: IdParams,
        body: Type.Array(Type.Ref('GuidanceInput'), { minItems: 1 }),
        response: {
          200: Type.Object({
            created: Type.Integer(),
            updated: Type.Integer(),
            unchanged: Type.Integer(),
            ids: Type.Array(Type.String({ format: 'uuid' }), { description: 'Entry id of each item, in request order' }),
          }),
          ...errorResponses(409, 413, 415),
        },
      },
    },
    async (request) => {
      requireWriter(request.principal);
      const library = await libraries.get(request.principal, request.params.id);
      return store.import(library, request.body, actor(request));
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit: number; cursor?: string } & FilterQuery }>(
    '/v1/libraries/:id/guidance',
    {
      schema: {
        tags: ['guidance'],
        summary: 'List entries with filters, a page at a time',
        params: IdParams,
        querystring: ListQuery,
        response: {
          200: Type.Object({ items: Type.Array(EntryRef), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const library = await libraries.get(request.principal, request.params.id);
      const { limit, cursor } = request.query;
      return store.list(library.id, { limit, cursor, ...filters(request.query) });
    },
  );

  app.get<{ Params: { id: string }; Querystring: FilterQuery }>(
    '/v1/libraries/:id/guidance/export',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Export entries as JSONL (application/x-ndjson) that re-imports to the same library unchanged',
        description:
          'Every entry, or those the filters select (the same as the list). A consistent snapshot: a write committed ' +
          'during the export is wholly in it or wholly out.',
        params: IdParams,
        querystring: ExportQuery,
        response: {
          200: {
            description: 'One GuidanceInput JSON object per line',
            content: { [NDJSON]: { schema: Type.String({ description: 'One GuidanceInput JSON object per line' }) } },
          },
          ...errorResponses(),
        },
      },
    },
    async (request, reply) => {
      const library = await libraries.get(request.principal, request.params.id);
      const entries = await store.exportAll(library.id, filters(request.query));
      const lines = entries.map(({ id, external_id, scenario, guidance, examples, tags, policy_refs, status, provenance }) =>
        JSON.stringify({ id, external_id, scenario, guidance, examples, tags, policy_refs, status, provenance }) + '\n');
      reply.type(NDJSON).header('content-disposition', `attachment; filename="library-${library.id}.jsonl"`);
      return reply.send(Readable.from(lines));
    },
  );

  app.get<{ Params: { id: string; gid: string } }>(
    '/v1/libraries/:id/guidance/:gid',
    { schema: { tags: ['guidance'], summary: 'Get an entry', params: EntryParams, response: { 200: EntryRef, ...errorResponses() } } },
    async (request) => {
      const library = await libraries.get(request.principal, request.params.id);
      return store.get(library.id, request.params.gid);
    },
  );

  app.patch<{ Params: { id: string; gid: string }; Body: GuidancePatch & { reason?: string } }>(
    '/v1/libraries/:id/guidance/:gid',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Edit content or status (approve, retire) as a new version, with a reason (admin, teacher)',
        params: EntryParams,
        body: GuidancePatchBody,
        response: { 200: GuidanceWriteResult, ...errorResponses(409) },
      },
    },
    async (request) => {
      requireWriter(request.principal);
      const library = await libraries.get(request.principal, request.params.id);
      const { reason, ...patch } = request.body;
      return store.update(library, request.params.gid, patch, actor(request, reason));
    },
  );

  app.delete<{ Params: { id: string; gid: string }; Querystring: { reason?: string } }>(
    '/v1/libraries/:id/guidance/:gid',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Retire an entry (admin, teacher): it leaves retrieval but keeps its history and can be restored',
        params: EntryParams,
        querystring: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2_000 })) }, { additionalProperties: false }),
        response: { 200: GuidanceWriteResult, ...errorResponses(409) },
      },
    },
    async (request) => {
      requireWriter(request.principal);
      const library = await libraries.get(request.principal, request.params.id);
      return store.update(library, request.params.gid, { status: 'retired' }, actor(request, request.query.reason));
    },
  );

  app.get<{ Params: { id: string; gid: string } }>(
    '/v1/libraries/:id/guidance/:gid/history',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Every version of an entry, newest first, with who changed it and why',
        params: EntryParams,
        response: { 200: Type.Object({ items: Type.Array(GuidanceVersionView) }), ...errorResponses() },
      },
    },
    async (request) => {
      const library = await libraries.get(request.principal, request.params.id);
      return { items: await store.history(library.id, request.params.gid) };
    },
  );

  app.post<{ Params: { id: string; gid: string }; Body: { version: number; reason?: string } }>(
    '/v1/libraries/:id/guidance/:gid/restore',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Bring back an earlier version as a new version (admin, teacher)',
        params: EntryParams,
        body: Type.Object(
          { version: Type.Integer({ minimum: 1, maximum: MAX_INT32 }), reason: Type.Optional(Type.String({ maxLength: 2_000 })) },
          { additionalProperties: false },
        ),
        response: { 200: EntryRef, ...errorResponses(409) },
      },
    },
    async (request) => {
      requireWriter(request.principal);
      const library = await libraries.get(request.principal, request.params.id);
      return store.restore(library, request.params.gid, request.body.version, actor(request, request.body.reason));
    },
  );
}
