-- Selection rules of a guidance entry, beside relevance: always_on puts it in every prompt (a small
-- core, capped per library by the API), priority orders it among retrieved entries, excludes and
-- requires name other entries of the same library (ids: references by external_id are resolved on
-- write, so renaming an external_id keeps them). Versions keep them like the rest of an entry.
ALTER TABLE guidance_entries
  ADD COLUMN always_on boolean NOT NULL DEFAULT false,
  ADD COLUMN priority  integer NOT NULL DEFAULT 0,
  ADD COLUMN excludes  uuid[]  NOT NULL DEFAULT '{}',
  ADD COLUMN requires  uuid[]  NOT NULL DEFAULT '{}';
ALTER TABLE guidance_versions
  ADD COLUMN always_on boolean NOT NULL DEFAULT false,
  ADD COLUMN priority  integer NOT NULL DEFAULT 0,
  ADD COLUMN excludes  uuid[]  NOT NULL DEFAULT '{}',
  ADD COLUMN requires  uuid[]  NOT NULL DEFAULT '{}';

-- Every retrieval reads its library's always-on entries beside the candidates it found.
CREATE INDEX guidance_entries_always_on_idx ON guidance_entries (library_id) WHERE always_on;
