-- Where an example added one at a time (POST …/guidance/{gid}/examples) came from: a trace's
-- conversation, a state a teacher job measured, or messages or text a person curated. Keyed by the
-- example's id (a hash of its text, case and spacing ignored), not by its place in the entry's
-- examples: edits and restores reorder those, and a restore that brings the example back finds its
-- source again. No foreign key to the trace or job: the provenance outlives them, as history does.
CREATE TABLE guidance_example_sources (
  entry_id       uuid NOT NULL REFERENCES guidance_entries (id) ON DELETE CASCADE,
  example_id     text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('trace', 'teacher', 'messages', 'text')),
  trace_id       uuid,
  conversation_id text,
  job_id         uuid,
  decision_point text,
  -- The entry version that added the example.
  entry_version  integer NOT NULL,
  added_by       uuid,
  added_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (entry_id, example_id)
);
