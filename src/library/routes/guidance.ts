import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { IdempotencyHeaders, type IdempotencyKeys } from '../../http/idempotency.js';
import { alsoAsJsonLines, NDJSON, sendJsonLines } from '../../http/json-lines.js';
import { errorResponses, json } from '../../http/schemas.js';
import type { GuidanceStore, ListFilters } from '../guidance-store.js';
import type { GuidanceStatus } from '../types.js';
import {
  EntryParams,
  ExportQuery,
  GuidanceEntryRef,
  GuidanceHistory,
  GuidanceInputRef,
  GuidancePage,
  GuidancePatchBody,
  GuidanceWriteResult,
  EXPORT_LINES_EXAMPLE,
  IMPORT_LINES_EXAMPLE,
  ImportBody,
  ImportResult,
  ListQuery,
  RestoreBody,
  RetireQuery,
} from './guidance-schemas.js';

const writers = { roles: ['admin', 'teacher'], action: 'write guidance' } as const;

const commaList = (value: string | undefined) =>
  value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s !== '');

const filters = ({ status, tags, q }: ExportQuery): ListFilters => ({ status: commaList(status) as GuidanceStatus[] | undefined, tags: commaList(tags), q });

const CONCURRENT_WRITE = 'Written concurrently (the entry, or the library switching embedders): retry';

const actor = (request: FastifyRequest, reason?: string) => ({ keyId: request.principal.keyId, reason });

/** A library's guidance entries, under /v1/libraries/:id. */
export const guidanceRoutes = (store: GuidanceStore, idempotency: IdempotencyKeys): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/guidance',
    {
      config: writers,
      schema: {
        operationId: 'addGuidance',
        tags: ['guidance'],
        summary: 'Add one guidance entry (admin, teacher); reports near-duplicates',
        description: 'With an external_id that exists, the entry is updated as a new version when its content changed.',
        headers: IdempotencyHeaders,
        body: GuidanceInputRef,
        response: {
          201: json('The entry as written, and live entries with nearly the same scenario', GuidanceWriteResult),
          ...errorResponses({ 409: `The Idempotency-Key was used for another request, or the external_id is taken. ${CONCURRENT_WRITE}` }),
        },
      },
    },
    async (request, reply) => idempotency.run(request, reply, 201, (alsoStore) => store.create(request.library, request.body, actor(request), alsoStore)),
  );

  app.post(
    '/guidance/import',
    {
      config: { ...writers, swaggerTransform: alsoAsJsonLines('One GuidanceInput JSON object per line', IMPORT_LINES_EXAMPLE) },
      schema: {
        operationId: 'importGuidance',
        tags: ['guidance'],
        summary: 'Bulk import (JSON array, or JSONL with content-type application/x-ndjson); atomic and idempotent',
        description:
          'Entries match existing ones by external_id (or id, as an export carries it). Changed content becomes a new version; ' +
          'unchanged entries are left alone. Imported entries default to approved. All or nothing.',
        body: ImportBody,
        response: {
          200: json('How many entries were created, updated or left unchanged, and the id of each item', ImportResult),
          ...errorResponses({ 409: CONCURRENT_WRITE, 413: 'The body is larger than BODY_LIMIT_BYTES', 415: 'The content-type is neither application/json nor application/x-ndjson' }),
        },
      },
    },
    async (request) => store.import(request.library, request.body, actor(request)),
  );

  app.get(
    '/guidance',
    {
      schema: {
        operationId: 'listGuidance',
        tags: ['guidance'],
        summary: 'List entries with filters, a page at a time',
        querystring: ListQuery,
        response: { 200: json('A page of entries in the order they were created, and the cursor of the next page (null on the last)', GuidancePage), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return store.list(request.library.id, { limit, cursor, ...filters(request.query) });
    },
  );

  app.get(
    '/guidance/export',
    {
      schema: {
        operationId: 'exportGuidance',
        tags: ['guidance'],
        summary: 'Export entries as JSONL (application/x-ndjson) that re-imports to the same library unchanged',
        description:
          'Every entry, or those the filters select (the same as the list). A consistent snapshot: a write committed ' +
          'during the export is wholly in it or wholly out.',
        querystring: ExportQuery,
        response: {
          200: {
            description: 'One GuidanceInput JSON object per line',
            content: { [NDJSON]: { schema: Type.String({ description: 'One GuidanceInput JSON object per line', examples: [EXPORT_LINES_EXAMPLE] }) } },
          },
          ...errorResponses(),
        },
      },
    },
    async (request, reply) => {
      const { library } = request;
      const entries = await store.exportAll(library.id, filters(request.query));
      // References by external_id where the entry has one, so the export imports into another library too.
      const refName = new Map(entries.map((e) => [e.id, e.external_id ?? e.id]));
      const refs = (ids: string[]) => ids.map((ref) => refName.get(ref) ?? ref);
      const lines = entries.map(({ id, external_id, scenario, guidance, examples, tags, policy_refs, applies_when, always_on, priority, excludes, requires, procedure, status, provenance }) => ({
        id, external_id, scenario, guidance, examples, tags, policy_refs, applies_when, always_on, priority, excludes: refs(excludes), requires: refs(requires), procedure, status, provenance,
      }));
      return sendJsonLines(reply, lines, `library-${library.id}.jsonl`);
    },
  );

  app.get(
    '/guidance/:gid',
    {
      schema: {
        operationId: 'getGuidance',
        tags: ['guidance'],
        summary: 'Get an entry',
        params: EntryParams,
        response: { 200: json('The entry at its current version', GuidanceEntryRef), ...errorResponses() },
      },
    },
    async (request) => store.get(request.library.id, request.params.gid),
  );

  app.patch(
    '/guidance/:gid',
    {
      config: writers,
      schema: {
        operationId: 'updateGuidance',
        tags: ['guidance'],
        summary: 'Edit content or status (approve, retire) as a new version, with a reason (admin, teacher)',
        params: EntryParams,
        body: GuidancePatchBody,
        response: {
          200: json('The entry as it now is (as it was when the edit changed nothing), and near-duplicates of changed content', GuidanceWriteResult),
          ...errorResponses({ 409: `expected_version is not the current version, or the external_id is taken. ${CONCURRENT_WRITE}` }),
        },
      },
    },
    async (request) => {
      const { reason, expected_version, ...change } = request.body;
      return store.update(request.library, request.params.gid, { ...change, expectedVersion: expected_version }, actor(request, reason));
    },
  );

  app.delete(
    '/guidance/:gid',
    {
      config: writers,
      schema: {
        operationId: 'retireGuidance',
        tags: ['guidance'],
        summary: 'Retire an entry (admin, teacher): it leaves retrieval but keeps its history and can be restored',
        params: EntryParams,
        querystring: RetireQuery,
        response: { 200: json('The entry, retired', GuidanceWriteResult), ...errorResponses({ 409: CONCURRENT_WRITE }) },
      },
    },
    async (request) => store.update(request.library, request.params.gid, { status: 'retired' }, actor(request, request.query.reason)),
  );

  app.get(
    '/guidance/:gid/history',
    {
      schema: {
        operationId: 'listGuidanceVersions',
        tags: ['guidance'],
        summary: 'Every version of an entry, newest first, with who changed it and why',
        params: EntryParams,
        response: { 200: json('Every version of the entry, newest first', GuidanceHistory), ...errorResponses() },
      },
    },
    async (request) => ({ items: await store.history(request.library.id, request.params.gid) }),
  );

  app.post(
    '/guidance/:gid/restore',
    {
      config: writers,
      schema: {
        operationId: 'restoreGuidanceVersion',
        tags: ['guidance'],
        summary: 'Bring back an earlier version as a new version (admin, teacher)',
        params: EntryParams,
        body: RestoreBody,
        response: { 200: json('The entry, with the restored content and status as its newest version', GuidanceEntryRef), ...errorResponses({ 409: CONCURRENT_WRITE }) },
      },
    },
    async (request) => store.restore(request.library, request.params.gid, request.body.version, actor(request, request.body.reason)),
  );
};
