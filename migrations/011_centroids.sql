-- Retrieval searches one vector per entry, its centroid: the normalised sum of its document's and
-- its examples' vectors (src/chunk-index/entry-chunks.ts). The other chunks stay for near-duplicate
-- checks, which compare scenarios.
ALTER TABLE guidance_chunks DROP CONSTRAINT guidance_chunks_kind_check;
ALTER TABLE guidance_chunks ADD CONSTRAINT guidance_chunks_kind_check CHECK (kind IN ('scenario', 'guidance', 'example', 'centroid'));
-- The pending table took the constraint, under the same name, from LIKE ... INCLUDING CONSTRAINTS.
ALTER TABLE guidance_chunks_pending DROP CONSTRAINT guidance_chunks_kind_check;
ALTER TABLE guidance_chunks_pending ADD CONSTRAINT guidance_chunks_kind_check CHECK (kind IN ('scenario', 'guidance', 'example', 'centroid'));

-- Entries written before this migration get a centroid from the chunks they have. It counts
-- scenario and guidance as two texts where a new write embeds them as one document: close, and
-- exact again at the entry's next write or re-embed. The indexer moves them into the HNSW index.
INSERT INTO guidance_chunks_pending (entry_id, library_id, embedder, kind, ordinal, dim, embedding)
SELECT entry_id, library_id, embedder, 'centroid', 0, dim, l2_normalize(sum(embedding))
FROM (
  SELECT entry_id, library_id, embedder, dim, embedding FROM guidance_chunks
  UNION ALL
  SELECT entry_id, library_id, embedder, dim, embedding FROM guidance_chunks_pending
) chunks
GROUP BY entry_id, library_id, embedder, dim;

-- Centroids are a small share of the chunks: an HNSW index of their own, per dimension as in
-- 001_init.sql, so a search for the nearest centroids does not wade through example chunks.
CREATE INDEX guidance_chunks_centroid_hnsw_256 ON guidance_chunks USING hnsw ((embedding::vector(256)) vector_cosine_ops) WHERE dim = 256 AND kind = 'centroid';
CREATE INDEX guidance_chunks_centroid_hnsw_384 ON guidance_chunks USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE dim = 384 AND kind = 'centroid';
CREATE INDEX guidance_chunks_centroid_hnsw_512 ON guidance_chunks USING hnsw ((embedding::vector(512)) vector_cosine_ops) WHERE dim = 512 AND kind = 'centroid';
CREATE INDEX guidance_chunks_centroid_hnsw_768 ON guidance_chunks USING hnsw ((embedding::vector(768)) vector_cosine_ops) WHERE dim = 768 AND kind = 'centroid';
CREATE INDEX guidance_chunks_centroid_hnsw_1024 ON guidance_chunks USING hnsw ((embedding::vector(1024)) vector_cosine_ops) WHERE dim = 1024 AND kind = 'centroid';
CREATE INDEX guidance_chunks_centroid_hnsw_1536 ON guidance_chunks USING hnsw ((embedding::vector(1536)) vector_cosine_ops) WHERE dim = 1536 AND kind = 'centroid';
