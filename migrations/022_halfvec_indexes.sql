-- The HNSW indexes hold their vectors as halfvec (pgvector 0.7): in single precision an index
-- element of a 1,024-d vector takes a page, in half a third of the space (11k centroids: 86 against
-- 29 MB), and the indexer's inserts take 30% less time (21,000 into an index of 6,000: 33.8 against
-- 23.5 s). The order the index gives is as good (recall@10 at ef_search 100: .944 single, .947 half).
-- The rows keep their vectors in full, so the distances retrieval reports, and the pending table's
-- exact scan, stay exact (src/chunk-index/nearest-chunks.ts).
DROP INDEX guidance_chunks_centroid_hnsw_256, guidance_chunks_centroid_hnsw_384, guidance_chunks_centroid_hnsw_512,
  guidance_chunks_centroid_hnsw_768, guidance_chunks_centroid_hnsw_1024, guidance_chunks_centroid_hnsw_1536,
  guidance_chunks_scenario_hnsw_256, guidance_chunks_scenario_hnsw_384, guidance_chunks_scenario_hnsw_512,
  guidance_chunks_scenario_hnsw_768, guidance_chunks_scenario_hnsw_1024, guidance_chunks_scenario_hnsw_1536;
CREATE INDEX guidance_chunks_centroid_halfvec_256 ON guidance_chunks USING hnsw ((embedding::halfvec(256)) halfvec_cosine_ops) WHERE dim = 256 AND kind = 'centroid';
CREATE INDEX guidance_chunks_centroid_halfvec_384 ON guidance_chunks USING hnsw ((embedding::halfvec(384)) halfvec_cosine_ops) WHERE dim = 384 AND kind = 'centroid';
CREATE INDEX guidance_chunks_centroid_halfvec_512 ON guidance_chunks USING hnsw ((embedding::halfvec(512)) halfvec_cosine_ops) WHERE dim = 512 AND kind = 'centroid';
CREATE INDEX guidance_chunks_centroid_halfvec_768 ON guidance_chunks USING hnsw ((embedding::halfvec(768)) halfvec_cosine_ops) WHERE dim = 768 AND kind = 'centroid';
CREATE INDEX guidance_chunks_centroid_halfvec_1024 ON guidance_chunks USING hnsw ((embedding::halfvec(1024)) halfvec_cosine_ops) WHERE dim = 1024 AND kind = 'centroid';
CREATE INDEX guidance_chunks_centroid_halfvec_1536 ON guidance_chunks USING hnsw ((embedding::halfvec(1536)) halfvec_cosine_ops) WHERE dim = 1536 AND kind = 'centroid';
CREATE INDEX guidance_chunks_scenario_halfvec_256 ON guidance_chunks USING hnsw ((embedding::halfvec(256)) halfvec_cosine_ops) WHERE dim = 256 AND kind = 'scenario';
CREATE INDEX guidance_chunks_scenario_halfvec_384 ON guidance_chunks USING hnsw ((embedding::halfvec(384)) halfvec_cosine_ops) WHERE dim = 384 AND kind = 'scenario';
CREATE INDEX guidance_chunks_scenario_halfvec_512 ON guidance_chunks USING hnsw ((embedding::halfvec(512)) halfvec_cosine_ops) WHERE dim = 512 AND kind = 'scenario';
CREATE INDEX guidance_chunks_scenario_halfvec_768 ON guidance_chunks USING hnsw ((embedding::halfvec(768)) halfvec_cosine_ops) WHERE dim = 768 AND kind = 'scenario';
CREATE INDEX guidance_chunks_scenario_halfvec_1024 ON guidance_chunks USING hnsw ((embedding::halfvec(1024)) halfvec_cosine_ops) WHERE dim = 1024 AND kind = 'scenario';
CREATE INDEX guidance_chunks_scenario_halfvec_1536 ON guidance_chunks USING hnsw ((embedding::halfvec(1536)) halfvec_cosine_ops) WHERE dim = 1536 AND kind = 'scenario';
