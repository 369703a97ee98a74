-- Elicitation that proves its guidance: pending revisions of approved entries, measured lift per
-- student model, judge usage, adaptive rounds and validate jobs.

-- A teacher's (or anyone's) proposed new content for an entry that is in service. The entry keeps
-- being retrieved as it is until a reviewer approves the revision (it then becomes the entry's next
-- version) or rejects it. At most one revision of an entry is pending; a newer one supersedes it.
CREATE TABLE guidance_revisions (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  library_id     uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  entry_id       uuid NOT NULL REFERENCES guidance_entries (id) ON DELETE CASCADE,
  -- The entry's version the revision was written against.
  base_version   integer NOT NULL,
  scenario       text NOT NULL,
  guidance       text NOT NULL,
  examples       text[] NOT NULL DEFAULT '{}',
  tags           text[] NOT NULL DEFAULT '{}',
  policy_refs    text[] NOT NULL DEFAULT '{}',
  after_tools    text[] NOT NULL DEFAULT '{}',
  before_tools   text[] NOT NULL DEFAULT '{}',
  provenance     jsonb NOT NULL DEFAULT '{}',
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'superseded')),
  proposed_by    uuid,
  created_at     timestamptz NOT NULL DEFAULT now(),
  decided_by     uuid,
  decided_at     timestamptz,
  reason         text,
  -- The entry version an approved revision became.
  applied_version integer
);
CREATE UNIQUE INDEX guidance_revisions_one_pending ON guidance_revisions (entry_id) WHERE status = 'pending';
CREATE INDEX guidance_revisions_library_idx ON guidance_revisions (library_id, status, created_at);

-- The measured effect of an entry (or of a pending revision of it) on one student model: the
-- student sampled on the entry's states served through the retriever and composer with the note in
-- the library and without it, each reply judged against the teacher's choice at that state.
CREATE TABLE guidance_lift (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  library_id      uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  entry_id        uuid NOT NULL REFERENCES guidance_entries (id) ON DELETE CASCADE,
  entry_version   integer NOT NULL,
  revision_id     uuid REFERENCES guidance_revisions (id) ON DELETE CASCADE,
  job_id          uuid REFERENCES teacher_jobs (id) ON DELETE SET NULL,
  -- The measurement's place in its job (a decision group's acceptance round, or an entry validated).
  measurement_key text NOT NULL,
  student_model   text NOT NULL,
  judge_model     text NOT NULL,
  passed_with     integer NOT NULL,
  n_with          integer NOT NULL,
  passed_without  integer NOT NULL,
  n_without       integer NOT NULL,
  lift            double precision NOT NULL,
  lift_low        double precision NOT NULL,
  lift_high       double precision NOT NULL,
  min_lift        double precision NOT NULL,
  -- Of the states measured, how many retrieved the note, and its best and median rank (1 = top) there.
  states          integer NOT NULL,
  retrieved_states integer NOT NULL,
  best_rank       integer,
  median_rank     double precision,
  accepted        boolean NOT NULL,
  measured_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (job_id, measurement_key)
);
CREATE INDEX guidance_lift_model_idx ON guidance_lift (library_id, student_model, entry_id, measured_at);

ALTER TABLE teacher_usage DROP CONSTRAINT teacher_usage_role_check;
ALTER TABLE teacher_usage ADD CONSTRAINT teacher_usage_role_check CHECK (role IN ('teacher', 'student', 'customer', 'judge'));

ALTER TABLE teacher_jobs DROP CONSTRAINT teacher_jobs_kind_check;
ALTER TABLE teacher_jobs ADD CONSTRAINT teacher_jobs_kind_check CHECK (kind IN ('scenarios', 'transcripts', 'validate'));
-- Adaptive rounds: the learning curve (one point per round) and why the job stopped.
ALTER TABLE teacher_jobs ADD COLUMN report jsonb NOT NULL DEFAULT '{}';

-- evaluate: the failure rate on the validation set after a round, and the next round's scenarios;
-- validate_entry: one approved entry's lift re-measured for the job's student model.
ALTER TABLE teacher_steps DROP CONSTRAINT teacher_steps_kind_check;
ALTER TABLE teacher_steps ADD CONSTRAINT teacher_steps_kind_check
  CHECK (kind IN ('generate', 'scenario', 'transcript', 'evaluate', 'validate_entry'));

-- revised: a pending revision of an approved entry (the entry itself unchanged).
ALTER TABLE teacher_evidence DROP CONSTRAINT teacher_evidence_action_check;
ALTER TABLE teacher_evidence ADD CONSTRAINT teacher_evidence_action_check CHECK (action IN ('created', 'merged', 'revised'));
ALTER TABLE teacher_evidence ADD COLUMN revision_id uuid REFERENCES guidance_revisions (id) ON DELETE SET NULL;
