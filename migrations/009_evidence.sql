-- Evidence: randomised hold-out of guidance, the conversations traces answered, policy-change
-- impact on entries, and library releases.

-- holdout_rate: the probability an entry that would enter a prompt is withheld instead, decided
-- once per conversation and entry. Capped at one half: past that the entry mostly is not served.
-- serve_needs_review: whether entries flagged by a policy edit stay served until reviewed.
ALTER TABLE libraries
  ADD COLUMN holdout_rate double precision NOT NULL DEFAULT 0 CHECK (holdout_rate >= 0 AND holdout_rate <= 0.5),
  ADD COLUMN serve_needs_review boolean NOT NULL DEFAULT true;

-- The hold-out rate in force for the turn: only turns where it was above 0 were randomised, so
-- only they enter the causal comparison. messages: the conversation the turn answered, redacted
-- before storage; NULL when not kept (TRACE_MESSAGES=off) or erased after TRACE_RETENTION_DAYS.
ALTER TABLE chat_traces
  ADD COLUMN holdout_rate double precision NOT NULL DEFAULT 0,
  ADD COLUMN messages jsonb;
CREATE INDEX chat_traces_messages_age_idx ON chat_traces (created_at) WHERE messages IS NOT NULL;

-- The entries that would have entered the trace's prompt but were withheld by the hold-out.
CREATE TABLE chat_trace_withheld (
  trace_id uuid NOT NULL REFERENCES chat_traces (id) ON DELETE CASCADE,
  entry_id uuid NOT NULL,
  version  integer NOT NULL,
  score    double precision NOT NULL,
  PRIMARY KEY (trace_id, entry_id)
);
CREATE INDEX chat_trace_withheld_entry_idx ON chat_trace_withheld (entry_id);

-- An entry quoting (policy_refs) a policy clause that an edit of the library's policy changed or
-- removed. Open while resolved_at is NULL and the entry still quotes policy_ref.
CREATE TABLE guidance_policy_flags (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  library_id    uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  entry_id      uuid NOT NULL REFERENCES guidance_entries (id) ON DELETE CASCADE,
  entry_version integer NOT NULL,
  policy_ref    text NOT NULL,
  old_clause    text NOT NULL,
  -- The clause of the new policy that replaced it; NULL: the clause was removed.
  new_clause    text,
  flagged_by    uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  resolved_at   timestamptz,
  resolved_by   uuid,
  resolution    text
);
CREATE INDEX guidance_policy_flags_open_idx ON guidance_policy_flags (library_id, created_at) WHERE resolved_at IS NULL;
CREATE INDEX guidance_policy_flags_entry_idx ON guidance_policy_flags (entry_id);

-- A named, immutable set of entry versions. No foreign key to the entries: a release outlives
-- their deletion as history does.
CREATE TABLE library_releases (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  library_id  uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  created_by  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (library_id, name)
);
CREATE TABLE library_release_entries (
  release_id uuid NOT NULL REFERENCES library_releases (id) ON DELETE CASCADE,
  entry_id   uuid NOT NULL,
  version    integer NOT NULL,
  PRIMARY KEY (release_id, entry_id)
);
CREATE INDEX chat_feedback_created_idx ON chat_feedback (created_at);
