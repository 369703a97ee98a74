-- Chunk rows are written once and read often, and compressing their vectors costs more than it
-- saves. With STORAGE MAIN (015) a row over ~2 kB (any vector of 500 dimensions or more) is first
-- compressed: a hashed embedding, mostly zeros, shrinks to a tenth, a dense one not at all. Either
-- way each insert pays pglz (an INSERT of 60k 512-d hashed vectors: 4.0 s against 1.5 s without),
-- and every exact distance on a compressed one decompresses it (a scan of 140k: 330 against 70 ms).
-- Rows now stay as written up to a full page (8160 bytes, a 2,000-d vector with its columns).
-- Existing rows keep their compressed form until they are written again.
ALTER TABLE guidance_chunks SET (toast_tuple_target = 8160);
ALTER TABLE guidance_chunks_pending SET (toast_tuple_target = 8160);
