-- Teacher jobs: a teacher model elicits guidance for the student from scenarios or transcripts.
-- A job is split into steps (one per scenario or transcript, plus one that writes scenarios when
-- asked to generate them); steps are what workers claim, checkpoint and resume.
CREATE TABLE teacher_jobs (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  library_id   uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('scenarios', 'transcripts')),
  -- pending: no step claimed yet; running; done: every step finished (some may have failed);
  -- failed: every step failed; cancelled: stopped on request, finished work kept.
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
  -- max_turns, rounds, auto_approve, as resolved at submission.
  options      jsonb NOT NULL,
  -- The model name serving each role for this job (configured default or the job's override).
  models       jsonb NOT NULL,
  requested_by uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz
);
CREATE INDEX teacher_jobs_library_idx ON teacher_jobs (library_id, created_at);
CREATE INDEX teacher_jobs_active_idx ON teacher_jobs (created_at) WHERE status IN ('pending', 'running');

CREATE TABLE teacher_steps (
  job_id      uuid NOT NULL REFERENCES teacher_jobs (id) ON DELETE CASCADE,
  ordinal     integer NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('generate', 'scenario', 'transcript')),
  input       jsonb NOT NULL,
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
  -- Results of the phases already finished (simulation, contrast, each decision point's entry), so
  -- a resumed step neither repeats model calls nor writes an entry twice.
  checkpoint  jsonb NOT NULL DEFAULT '{}',
  error       text,
  attempts    integer NOT NULL DEFAULT 0,
  -- The instance working on the step and until when; a crashed instance's lease simply lapses.
  worker      text,
  lease_until timestamptz,
  started_at  timestamptz,
  finished_at timestamptz,
  PRIMARY KEY (job_id, ordinal)
);
CREATE INDEX teacher_steps_open_idx ON teacher_steps (job_id, ordinal) WHERE status IN ('pending', 'running');

-- Tokens spent per role and model, added to after every call (retries and repairs included).
CREATE TABLE teacher_usage (
  job_id            uuid NOT NULL REFERENCES teacher_jobs (id) ON DELETE CASCADE,
  role              text NOT NULL CHECK (role IN ('teacher', 'student', 'customer')),
  model             text NOT NULL,
  calls             integer NOT NULL DEFAULT 0,
  prompt_tokens     bigint NOT NULL DEFAULT 0,
  completion_tokens bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, role, model)
);

-- Why an entry was written or changed by a job: the state, the student's and the teacher's
-- replies, the verdicts, the re-test and the policy check. One row per decision point, so a
-- resumed step that writes the same entry again adds nothing.
CREATE TABLE teacher_evidence (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  job_id        uuid NOT NULL REFERENCES teacher_jobs (id) ON DELETE CASCADE,
  library_id    uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  entry_id      uuid NOT NULL REFERENCES guidance_entries (id) ON DELETE CASCADE,
  entry_version integer NOT NULL,
  -- created: a new entry; merged: a new version of a near-duplicate that already existed.
  action        text NOT NULL CHECK (action IN ('created', 'merged')),
  source_id     text NOT NULL,
  decision_key  text NOT NULL,
  retest_passed boolean NOT NULL,
  policy_conflict boolean NOT NULL,
  evidence      jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (job_id, decision_key)
);
CREATE INDEX teacher_evidence_entry_idx ON teacher_evidence (entry_id, created_at);
