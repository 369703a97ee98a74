-- Keys that stop working at a given time. NULL: the key never expires.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;

-- A job with failed steps no longer ends done: partial when some steps failed, failed when all did.
ALTER TABLE teacher_jobs DROP CONSTRAINT teacher_jobs_status_check;
ALTER TABLE teacher_jobs ADD CONSTRAINT teacher_jobs_status_check
  CHECK (status IN ('pending', 'running', 'done', 'partial', 'failed', 'cancelled'));
UPDATE teacher_jobs j SET status = 'partial'
WHERE status = 'done' AND EXISTS (SELECT 1 FROM teacher_steps s WHERE s.job_id = j.id AND s.status = 'failed');

-- The model endpoint each role must be served by (a fingerprint per role, see TeachingModels), so
-- an instance configured otherwise (no teacher, another teacher) never claims the job's steps.
-- NULL: queued before this migration; any instance with every role configured may run it.
ALTER TABLE teacher_jobs ADD COLUMN endpoints jsonb;
