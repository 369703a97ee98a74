-- Retrieval speed (issue 15).

-- The OR of tsqueries, as an aggregate: full-text candidates come from one GIN scan for the OR of
-- the query's rarer lexemes instead of one scan per lexeme.
CREATE AGGREGATE coach_tsquery_or(tsquery) (SFUNC = tsquery_or, STYPE = tsquery);

-- Only scenario chunks are searched besides centroids (near-duplicate checks); guidance and example
-- chunks in an HNSW index only cost the indexer an insertion each, so the per-dimension indexes over
-- every kind give way to ones over scenarios.
DROP INDEX guidance_chunks_hnsw_256, guidance_chunks_hnsw_384, guidance_chunks_hnsw_512,
  guidance_chunks_hnsw_768, guidance_chunks_hnsw_1024, guidance_chunks_hnsw_1536;
CREATE INDEX guidance_chunks_scenario_hnsw_256 ON guidance_chunks USING hnsw ((embedding::vector(256)) vector_cosine_ops) WHERE dim = 256 AND kind = 'scenario';
CREATE INDEX guidance_chunks_scenario_hnsw_384 ON guidance_chunks USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE dim = 384 AND kind = 'scenario';
CREATE INDEX guidance_chunks_scenario_hnsw_512 ON guidance_chunks USING hnsw ((embedding::vector(512)) vector_cosine_ops) WHERE dim = 512 AND kind = 'scenario';
CREATE INDEX guidance_chunks_scenario_hnsw_768 ON guidance_chunks USING hnsw ((embedding::vector(768)) vector_cosine_ops) WHERE dim = 768 AND kind = 'scenario';
CREATE INDEX guidance_chunks_scenario_hnsw_1024 ON guidance_chunks USING hnsw ((embedding::vector(1024)) vector_cosine_ops) WHERE dim = 1024 AND kind = 'scenario';
CREATE INDEX guidance_chunks_scenario_hnsw_1536 ON guidance_chunks USING hnsw ((embedding::vector(1536)) vector_cosine_ops) WHERE dim = 1536 AND kind = 'scenario';

-- pgvector stores vectors out of line (STORAGE EXTERNAL), so a 512-d chunk lives in the TOAST
-- table and every exact distance (the pending table, the rows an index scan returns) fetches it
-- from there: ten times the cost of reading it in place. MAIN keeps it in the row while it fits a page.
ALTER TABLE guidance_chunks ALTER COLUMN embedding SET STORAGE MAIN;
ALTER TABLE guidance_chunks_pending ALTER COLUMN embedding SET STORAGE MAIN;

-- Retrieval scans the pending centroids exactly; during a bulk import they are a quarter of the
-- pending rows or fewer. And the indexer moves centroids first (src/chunk-index/chunk-indexer.ts),
-- so what retrieval must scan exactly drains first.
CREATE INDEX guidance_chunks_pending_centroid_idx ON guidance_chunks_pending (library_id, embedder) WHERE kind = 'centroid';
CREATE INDEX guidance_chunks_pending_move_idx ON guidance_chunks_pending ((kind <> 'centroid'), id);

-- The pending table is a queue: every row is deleted within seconds of its insert, and retrieval's
-- exact scan of it wades through the dead rows until a vacuum. Vacuum it after every few thousand
-- moves rather than after a fifth of the table.
ALTER TABLE guidance_chunks_pending SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_cost_delay = 0);
