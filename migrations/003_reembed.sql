-- Re-embedding a library with another embedder, as a background job. The new embedder's chunks
-- are written beside the old ones (guidance_chunks.embedder tells them apart), so search keeps
-- using the old ones until the job switches libraries.embedder in one transaction.
CREATE TABLE reembed_jobs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  library_id       uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  source_embedder  text NOT NULL,
  target_embedder  text NOT NULL,
  target_dim       integer NOT NULL CHECK (target_dim BETWEEN 1 AND 2000),
  -- pending: waiting for a worker; running: claimed at least once (its lease may have lapsed,
  -- then any instance resumes it); done: switched; failed: library left on the source embedder.
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
  -- seq of the last entry of the first pass embedded, so a resumed job skips finished batches.
  cursor_seq       bigint NOT NULL DEFAULT 0,
  -- Final counts; while the job runs they are computed from reembed_entries.
  done_entries     integer,
  total_entries    integer,
  error            text,
  requested_by     uuid,
  -- The instance working on the job and until when; a crashed instance's lease simply lapses.
  worker           text,
  lease_until      timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz
);
-- One unfinished job per library: two would race to switch it.
CREATE UNIQUE INDEX reembed_jobs_active_key ON reembed_jobs (library_id) WHERE status IN ('pending', 'running');
CREATE INDEX reembed_jobs_library_idx ON reembed_jobs (library_id, created_at);

-- Which content of each entry the job has embedded with the target embedder. An entry whose
-- content_hash no longer matches was written during the job and is embedded again before the
-- switch. Emptied when the job finishes.
CREATE TABLE reembed_entries (
  job_id       uuid NOT NULL REFERENCES reembed_jobs (id) ON DELETE CASCADE,
  entry_id     uuid NOT NULL REFERENCES guidance_entries (id) ON DELETE CASCADE,
  content_hash text NOT NULL,
  PRIMARY KEY (job_id, entry_id)
);
CREATE INDEX reembed_entries_entry_idx ON reembed_entries (entry_id);
