import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { requireRole, type Principal } from '../../auth/principal.js';
import { IdempotencyHeaders, type IdempotencyKeys } from '../../http/idempotency.js';
import { NDJSON, parseNdjson, sendJsonLines } from '../../http/json-lines.js';
import { errorResponses, IdParams } from '../../http/schemas.js';
import type { GuidanceStore, ListFilters } from '../guidance-store.js';
import type { Libraries } from '../libraries.js';
import type { GuidanceStatus } from '../types.js';
import {
  EntryParams,
  ExportQuery,
  GuidanceEntryRef,
  GuidanceEntryView,
  GuidanceHistory,
  GuidanceInputBody,
  GuidanceInputRef,
  GuidancePage,
  GuidancePatchBody,
  GuidanceWriteResult,
  ImportBody,
  ImportResult,
  ListQuery,
  RestoreBody,
  RetireQuery,
} from './guidance-schemas.js';

function requireWriter(principal: Principal): void {
  requireRole(principal, ['admin', 'teacher'], 'write guidance');
}

const commaList = (value: string | undefined) =>
  value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s !== '');

const filters = ({ status, tags, q }: ExportQuery): ListFilters => ({ status: commaList(status) as GuidanceStatus[] | undefined, tags: commaList(tags), q });

export function guidanceRoutes(app: FastifyInstance, libraries: Libraries, store: GuidanceStore, idempotency: IdempotencyKeys): void {
  app.addSchema(GuidanceEntryView);
  app.addSchema(GuidanceInputBody);
  app.addContentTypeParser(NDJSON, { parseAs: 'string' }, parseNdjson);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const actor = (request: FastifyRequest, reason?: string) => ({ keyId: request.principal.keyId, reason });

  api.post(
    '/v1/libraries/:id/guidance',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Add one guidance entry (admin, teacher); reports near-duplicates',
        description: 'With an external_id that exists, the entry is updated as a new version when its content changed.',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: GuidanceInputRef,
        response: { 201: GuidanceWriteResult, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      requireWriter(request.principal);
      const library = await libraries.get(request.principal, request.params.id);
      return idempotency.run(request, reply, 201, (alsoStore) => store.create(library, request.body, actor(request), alsoStore));
    },
  );

  api.post(
    '/v1/libraries/:id/guidance/import',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Bulk import (JSON array, or JSONL with content-type application/x-ndjson); atomic and idempotent',
        description:
          'Entries match existing ones by external_id (or id, as an export carries it). Changed content becomes a new version; ' +
          'unchanged entries are left alone. Imported entries default to approved. All or nothing.',
        params: IdParams,
        body: ImportBody,
        response: { 200: ImportResult, ...errorResponses(409, 413, 415) },
      },
    },
    async (request) => {
      requireWriter(request.principal);
      const library = await libraries.get(request.principal, request.params.id);
      return store.import(library, request.body, actor(request));
    },
  );

  api.get(
    '/v1/libraries/:id/guidance',
    {
      schema: {
        tags: ['guidance'],
        summary: 'List entries with filters, a page at a time',
        params: IdParams,
        querystring: ListQuery,
        response: { 200: GuidancePage, ...errorResponses() },
      },
    },
    async (request) => {
      const library = await libraries.get(request.principal, request.params.id);
      const { limit, cursor } = request.query;
      return store.list(library.id, { limit, cursor, ...filters(request.query) });
    },
  );

  api.get(
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
      const lines = entries.map(({ id, external_id, scenario, guidance, examples, tags, policy_refs, status, provenance }) => ({
        id, external_id, scenario, guidance, examples, tags, policy_refs, status, provenance,
      }));
      return sendJsonLines(reply, lines, `library-${library.id}.jsonl`);
    },
  );

  api.get(
    '/v1/libraries/:id/guidance/:gid',
    { schema: { tags: ['guidance'], summary: 'Get an entry', params: EntryParams, response: { 200: GuidanceEntryRef, ...errorResponses() } } },
    async (request) => {
      const library = await libraries.get(request.principal, request.params.id);
      return store.get(library.id, request.params.gid);
    },
  );

  api.patch(
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

  api.delete(
    '/v1/libraries/:id/guidance/:gid',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Retire an entry (admin, teacher): it leaves retrieval but keeps its history and can be restored',
        params: EntryParams,
        querystring: RetireQuery,
        response: { 200: GuidanceWriteResult, ...errorResponses(409) },
      },
    },
    async (request) => {
      requireWriter(request.principal);
      const library = await libraries.get(request.principal, request.params.id);
      return store.update(library, request.params.gid, { status: 'retired' }, actor(request, request.query.reason));
    },
  );

  api.get(
    '/v1/libraries/:id/guidance/:gid/history',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Every version of an entry, newest first, with who changed it and why',
        params: EntryParams,
        response: { 200: GuidanceHistory, ...errorResponses() },
      },
    },
    async (request) => {
      const library = await libraries.get(request.principal, request.params.id);
      return { items: await store.history(library.id, request.params.gid) };
    },
  );

  api.post(
    '/v1/libraries/:id/guidance/:gid/restore',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Bring back an earlier version as a new version (admin, teacher)',
        params: EntryParams,
        body: RestoreBody,
        response: { 200: GuidanceEntryRef, ...errorResponses(409) },
      },
    },
    async (request) => {
      requireWriter(request.principal);
      const library = await libraries.get(request.principal, request.params.id);
      return store.restore(library, request.params.gid, request.body.version, actor(request, request.body.reason));
    },
  );
}
