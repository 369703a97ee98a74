-- Coach schema: libraries of scenario -> guidance entries, their versions and search chunks, API keys.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE libraries (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name          text NOT NULL UNIQUE,
  description   text NOT NULL DEFAULT '',
  -- The firm's policy: authoritative over any guidance composed for the student.
  policy        text NOT NULL DEFAULT '',
  -- Embedder that produced the searchable vectors (e.g. local:hash-v1-512) and their dimension.
  embedder      text NOT NULL,
  embedding_dim integer NOT NULL CHECK (embedding_dim BETWEEN 1 AND 2000),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL,
  role         text NOT NULL CHECK (role IN ('admin', 'teacher', 'student')),
  -- SHA-256 of the secret; the secret itself is shown once at creation and never stored.
  key_hash     text NOT NULL UNIQUE,
  key_prefix   text NOT NULL,
  -- NULL means every library.
  library_ids  uuid[],
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  last_used_at timestamptz
);

-- Full-text document of an entry: the scenario weighs most, then its examples, then the guidance.
CREATE FUNCTION coach_guidance_tsv(scenario text, examples text[], guidance text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('english'::regconfig, scenario), 'A')
      || setweight(to_tsvector('english'::regconfig, array_to_string(examples, ' ')), 'B')
      || setweight(to_tsvector('english'::regconfig, guidance), 'C')
$$;

CREATE TABLE guidance_entries (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Insertion order, for stable cursor pagination (timestamps tie within a bulk import).
  seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  library_id   uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  external_id  text,
  scenario     text NOT NULL,
  guidance     text NOT NULL,
  examples     text[] NOT NULL DEFAULT '{}',
  tags         text[] NOT NULL DEFAULT '{}',
  policy_refs  text[] NOT NULL DEFAULT '{}',
  status       text NOT NULL DEFAULT 'approved' CHECK (status IN ('draft', 'approved', 'retired')),
  version      integer NOT NULL DEFAULT 1,
  provenance   jsonb NOT NULL DEFAULT '{}',
  -- Hash of the content fields, so a re-import can tell "unchanged" without comparing texts.
  content_hash text NOT NULL,
  search_tsv   tsvector GENERATED ALWAYS AS (coach_guidance_tsv(scenario, examples, guidance)) STORED,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX guidance_entries_external_id_key ON guidance_entries (library_id, external_id)
  WHERE external_id IS NOT NULL;
CREATE INDEX guidance_entries_page_idx ON guidance_entries (library_id, seq);
CREATE INDEX guidance_entries_tsv_idx ON guidance_entries USING gin (search_tsv);
CREATE INDEX guidance_entries_tags_idx ON guidance_entries USING gin (tags);

-- Every version of every entry, including status changes with who and why.
CREATE TABLE guidance_versions (
  entry_id    uuid NOT NULL REFERENCES guidance_entries (id) ON DELETE CASCADE,
  version     integer NOT NULL,
  scenario    text NOT NULL,
  guidance    text NOT NULL,
  examples    text[] NOT NULL,
  tags        text[] NOT NULL,
  policy_refs text[] NOT NULL,
  status      text NOT NULL,
  provenance  jsonb NOT NULL,
  change      text NOT NULL CHECK (change IN ('create', 'update', 'status', 'restore')),
  reason      text,
  changed_by  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (entry_id, version)
);

-- Search units: an entry's scenario, guidance and each example are embedded separately and grouped
-- back by entry at query time. Rows of two embedders coexist while a library is being re-embedded.
CREATE TABLE guidance_chunks (
  id         bigserial PRIMARY KEY,
  entry_id   uuid NOT NULL REFERENCES guidance_entries (id) ON DELETE CASCADE,
  library_id uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  embedder   text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('scenario', 'guidance', 'example')),
  ordinal    integer NOT NULL DEFAULT 0,
  dim        integer NOT NULL,
  embedding  vector NOT NULL
);
CREATE INDEX guidance_chunks_entry_idx ON guidance_chunks (entry_id, embedder);
CREATE INDEX guidance_chunks_library_idx ON guidance_chunks (library_id, embedder);

-- New chunks land here first: inserting into an HNSW index costs ~0.5 ms per vector, which would
-- cap bulk imports at a few hundred entries per second. A background indexer moves rows into
-- guidance_chunks in batches; retrieval searches both (this table by exact scan), so an entry is
-- searchable from the moment its write commits.
CREATE TABLE guidance_chunks_pending (LIKE guidance_chunks INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE guidance_chunks_pending
  ADD PRIMARY KEY (id),
  ADD FOREIGN KEY (entry_id) REFERENCES guidance_entries (id) ON DELETE CASCADE,
  ADD FOREIGN KEY (library_id) REFERENCES libraries (id) ON DELETE CASCADE;
CREATE INDEX guidance_chunks_pending_entry_idx ON guidance_chunks_pending (entry_id, embedder);
CREATE INDEX guidance_chunks_pending_library_idx ON guidance_chunks_pending (library_id, embedder);

-- HNSW needs a fixed dimension: one partial cosine index per supported dimension. An embedder of
-- another dimension still works, by exact scan.
CREATE INDEX guidance_chunks_hnsw_256 ON guidance_chunks USING hnsw ((embedding::vector(256)) vector_cosine_ops) WHERE dim = 256;
CREATE INDEX guidance_chunks_hnsw_384 ON guidance_chunks USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE dim = 384;
CREATE INDEX guidance_chunks_hnsw_512 ON guidance_chunks USING hnsw ((embedding::vector(512)) vector_cosine_ops) WHERE dim = 512;
CREATE INDEX guidance_chunks_hnsw_768 ON guidance_chunks USING hnsw ((embedding::vector(768)) vector_cosine_ops) WHERE dim = 768;
CREATE INDEX guidance_chunks_hnsw_1024 ON guidance_chunks USING hnsw ((embedding::vector(1024)) vector_cosine_ops) WHERE dim = 1024;
CREATE INDEX guidance_chunks_hnsw_1536 ON guidance_chunks USING hnsw ((embedding::vector(1536)) vector_cosine_ops) WHERE dim = 1536;

-- Per-library document frequency of every lexeme, for IDF-weighted full-text ranking (Postgres'
-- own ts_rank ignores how rare a word is). The empty term '' holds the number of entries: no
-- lexeme is empty. Maintained by statement-level triggers, so a bulk import costs one upsert.
CREATE TABLE guidance_term_stats (
  library_id uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  term       text NOT NULL,
  df         integer NOT NULL,
  PRIMARY KEY (library_id, term)
);

CREATE FUNCTION coach_term_stats_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    -- Only UPDATE here: inserting rows for a library being deleted would break its foreign key.
    UPDATE guidance_term_stats s SET df = s.df - d.n
    FROM (
      SELECT library_id, term, count(*) AS n FROM (
        SELECT o.library_id, lex.lexeme AS term FROM old_rows o, unnest(o.search_tsv) lex
        UNION ALL SELECT o.library_id, '' FROM old_rows o
      ) t GROUP BY library_id, term
    ) d
    WHERE s.library_id = d.library_id AND s.term = d.term;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO guidance_term_stats (library_id, term, df)
    SELECT library_id, term, count(*) FROM (
      SELECT n.library_id, lex.lexeme AS term FROM new_rows n, unnest(n.search_tsv) lex
      UNION ALL SELECT n.library_id, '' FROM new_rows n
    ) t
    GROUP BY library_id, term
    -- A fixed order of row locks keeps concurrent imports into one library from deadlocking.
    ORDER BY library_id, term
    ON CONFLICT (library_id, term) DO UPDATE SET df = guidance_term_stats.df + excluded.df;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER guidance_term_stats_insert AFTER INSERT ON guidance_entries
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coach_term_stats_maintain();
CREATE TRIGGER guidance_term_stats_update AFTER UPDATE ON guidance_entries
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coach_term_stats_maintain();
CREATE TRIGGER guidance_term_stats_delete AFTER DELETE ON guidance_entries
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coach_term_stats_maintain();
