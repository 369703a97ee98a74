-- Only two chunks of an entry are ever read back: its scenario (near-duplicate checks) and its
-- centroid (retrieval). Guidance and example chunks were embedded, stored and moved into HNSW for
-- nothing; writes no longer make them (an example is embedded for the centroid alone).
DELETE FROM guidance_chunks_pending WHERE kind IN ('guidance', 'example');
DELETE FROM guidance_chunks WHERE kind IN ('guidance', 'example');
