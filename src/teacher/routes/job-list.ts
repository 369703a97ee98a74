import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { Page, PageQueryFields, page } from '../../http/paging.js';
import { errorResponses, json, Nullable, oneOf, Timestamp, Uuid } from '../../http/schemas.js';
import type { JobListing } from '../job-listing.js';
import { JOB_KINDS, JOB_STATUSES } from '../types.js';

const JobSummaryView = Type.Object({
  id: Uuid,
  library_id: Uuid,
  kind: oneOf(JOB_KINDS),
  status: oneOf(JOB_STATUSES),
  models: Type.Object({ teacher: Type.String(), student: Type.String(), customer: Type.String() }),
  progress: Type.Object({ done: Type.Integer({ description: 'Steps finished, failed ones included' }), failed: Type.Integer(), total: Type.Integer() }),
  created_at: Timestamp,
  started_at: Nullable(Timestamp),
  finished_at: Nullable(Timestamp),
});

const JobPage = Page(JobSummaryView);
type JobPage = Static<typeof JobPage>;

const JobListQuery = Type.Object(
  { library_id: Type.Optional(Uuid), kind: Type.Optional(oneOf(JOB_KINDS)), status: Type.Optional(oneOf(JOB_STATUSES)), ...PageQueryFields },
  { additionalProperties: false },
);

/** Teacher jobs of the libraries the key may use. */
export const jobListRoutes = (listing: JobListing): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/v1/jobs',
    {
      config: { roles: ['admin', 'teacher'], action: 'read teacher jobs' },
      schema: {
        operationId: 'listTeacherJobs',
        tags: ['teacher'],
        summary: 'Teacher jobs by library, kind and status, newest first, paged with the total (admin, teacher)',
        querystring: JobListQuery,
        response: { 200: json('A page of jobs with their progress (GET /v1/jobs/{id} has usage, cost and errors), and how many match', JobPage), ...errorResponses() },
      },
    },
    async (request): Promise<JobPage> => {
      const { library_id, kind, status, limit, offset } = request.query;
      return page(await listing.list(request.principal, { libraryId: library_id, kind, status, limit, offset }), offset, (job) => job);
    },
  );
};
