import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { checkedConversation, checkedTools } from '../../http/message-schema.js';
import { errorResponses, IdParams, json } from '../../http/schemas.js';
import type { TeacherJobs } from '../jobs.js';
import { TeachAccepted, TeachBody, TeacherJobRef } from './teach-schemas.js';

const teachers = ['admin', 'teacher'] as const;

/** Starting a teacher job on a library, under /v1/libraries/:id. */
export const teachRoutes = (jobs: TeacherJobs): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/teach',
    {
      config: { roles: teachers, action: 'start teacher jobs' },
      schema: {
        operationId: 'startTeacherJob',
        tags: ['teacher'],
        summary: 'Start a teacher job that writes guidance from scenarios or transcripts (admin, teacher)',
        description:
          'Per scenario: the customer simulator plays it against the student (served as in production), the teacher contrasts each ' +
          'student turn with its own reply, writes guidance for each shortfall, re-tests it on the student (refining up to `rounds` ' +
          'times), merges near-duplicates as new versions and checks the policy. Entries are drafts unless `auto_approve` and they ' +
          'passed with no policy conflict. 503 names the variable when a model role is not configured.',
        body: TeachBody,
        response: {
          202: json('The job, queued: follow it at /v1/jobs/{job_id}', TeachAccepted),
          ...errorResponses({ 503: 'A model role the job needs is not configured; the message names its variables' }),
        },
      },
    },
    async (request, reply) => {
      const { transcripts, ...rest } = request.body;
      const checked = transcripts?.map(({ messages, tools, ...transcript }, i) => ({
        ...transcript,
        messages: checkedConversation(messages, `body.transcripts.${i}.messages`),
        tools: checkedTools({ tools }, `body.transcripts.${i}`),
      }));
      reply.code(202);
      return jobs.submit(request.library, { ...rest, transcripts: checked }, request.principal.keyId);
    },
  );
};

/** A job once started: watched and cancelled by its id. */
export const jobRoutes = (jobs: TeacherJobs): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/v1/jobs/:id',
    {
      config: { roles: teachers, action: 'read teacher jobs' },
      schema: {
        operationId: 'getTeacherJob',
        tags: ['teacher'],
        summary: 'A teacher job: status, progress, token usage and estimated cost per role, entries, step errors (admin, teacher)',
        params: IdParams,
        response: { 200: json('The job as it stands', TeacherJobRef), ...errorResponses({ 404: "No such job, or its library is outside the key's" }) },
      },
    },
    async (request) => jobs.get(request.principal, request.params.id),
  );

  app.post(
    '/v1/jobs/:id/cancel',
    {
      config: { roles: teachers, action: 'cancel teacher jobs' },
      schema: {
        operationId: 'cancelTeacherJob',
        tags: ['teacher'],
        summary: 'Cancel a teacher job; entries already written stay (admin, teacher)',
        params: IdParams,
        response: {
          200: json('The job, cancelled', TeacherJobRef),
          ...errorResponses({ 404: "No such job, or its library is outside the key's", 409: 'The job has already ended' }),
        },
      },
    },
    async (request) => jobs.cancel(request.principal, request.params.id),
  );
};
