import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../../errors.js';
import { checkedConversation } from '../../http/message-schema.js';
import { errorResponses, json } from '../../http/schemas.js';
import { EntryParams } from '../../library/routes/guidance-schemas.js';
import type { ExampleInput, GuidanceExamples } from '../guidance-examples.js';
import { AddExampleBody, AddExampleResult, ExampleList, ExampleParams, RemovedExample } from './example-schemas.js';

const writers = { roles: ['admin', 'teacher'], action: 'change examples' } as const;
const CONCURRENT_WRITE = 'The entry was changed concurrently three times in a row, or the library is switching embedders: retry';

/** Exactly one source, as the domain takes it. */
function exampleInput(body: AddExampleBody): ExampleInput {
  const given = (['trace_id', 'job_id', 'messages', 'text'] as const).filter((field) => body[field] !== undefined);
  if (given.length !== 1) {
    throw ValidationError.at('body', `must have exactly one of trace_id, job_id (with decision_point), messages, text; ${given.length === 0 ? 'none' : given.join(' and ')} given`);
  }
  if (body.decision_point !== undefined && body.job_id === undefined) throw ValidationError.at('body.decision_point', 'goes with job_id');
  if (body.trace_id !== undefined) return { kind: 'trace', traceId: body.trace_id };
  if (body.job_id !== undefined) {
    if (body.decision_point === undefined) throw ValidationError.at('body.decision_point', 'is required with job_id');
    return { kind: 'teacher', jobId: body.job_id, decisionPoint: body.decision_point };
  }
  if (body.messages !== undefined) return { kind: 'messages', messages: checkedConversation(body.messages, 'body.messages') };
  return { kind: 'text', text: body.text! };
}

const actor = (request: FastifyRequest) => ({ keyId: request.principal.keyId });

/** An entry's examples one at a time, from live traffic or curated, under /v1/libraries/:id. */
export const exampleRoutes = (examples: GuidanceExamples): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/guidance/:gid/examples',
    {
      config: writers,
      schema: {
        operationId: 'addGuidanceExample',
        tags: ['guidance'],
        summary: "Add an example to an entry: a trace's conversation, a teacher job's state, or curated messages or text (admin, teacher)",
        description:
          'A conversation (a trace\'s, a decision point\'s state, or messages) becomes its customer turns and tool calls, one per line, ' +
          'as retrieval embeds it into the entry\'s centroid. The addition is the entry\'s next version (history, restore) and is ' +
          'retrieved from the next /retrieve on; a revision pending review gets it too. Adding an example the entry has (case and ' +
          'spacing ignored) writes nothing. Where it came from is listed by GET …/examples.',
        params: EntryParams,
        body: AddExampleBody,
        response: {
          201: json('The example was added: the entry at its new version', AddExampleResult),
          200: json('The entry already had this example: nothing was written', AddExampleResult),
          ...errorResponses({
            400: 'The body is malformed (details names the field), the example would be empty or longer than 4000 characters, or the entry has 200 examples',
            404: 'The library, entry, trace or job (or its decision point) is not found, or outside the libraries this key may use',
            409: `The trace's messages are gone (details.reason messages_expired: past TRACE_RETENTION_DAYS; messages_not_kept: TRACE_MESSAGES was off). ${CONCURRENT_WRITE}`,
          }),
        },
      },
    },
    async (request, reply) => {
      const result = await examples.add(request.library, request.params.gid, exampleInput(request.body), actor(request));
      return reply.code(result.added ? 201 : 200).send(result);
    },
  );

  app.get(
    '/guidance/:gid/examples',
    {
      schema: {
        operationId: 'listGuidanceExamples',
        tags: ['guidance'],
        summary: "An entry's examples, each with where it came from",
        params: EntryParams,
        response: { 200: json("The entry's examples in order, with their ids and sources", ExampleList), ...errorResponses() },
      },
    },
    async (request) => {
      const { entry, items } = await examples.list(request.library, request.params.gid);
      return { entry_id: entry.id, version: entry.version, items };
    },
  );

  app.delete(
    '/guidance/:gid/examples/:eid',
    {
      config: writers,
      schema: {
        operationId: 'removeGuidanceExample',
        tags: ['guidance'],
        summary: 'Remove an example from an entry as its next version (admin, teacher); restore brings it back',
        params: ExampleParams,
        response: {
          200: json('The example removed, and the entry at its new version', RemovedExample),
          ...errorResponses({ 404: 'The library, entry or example is not found, or outside the libraries this key may use', 409: CONCURRENT_WRITE }),
        },
      },
    },
    async (request) => examples.remove(request.library, request.params.gid, request.params.eid, actor(request)),
  );
};
