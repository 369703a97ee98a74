-- Writes made with an Idempotency-Key header, and the response each one gave, so a client that
-- retries (after a 503, a timeout, a lost connection) gets that response again instead of a
-- second write. The row is inserted in the write's own transaction: of two concurrent requests
-- with the same key, the primary key lets only one commit.
CREATE TABLE idempotency_keys (
  -- The API key that made the request; keys of different callers never collide.
  key_id      uuid NOT NULL,
  -- Method and route pattern, e.g. 'POST /v1/feedback'.
  route       text NOT NULL,
  key         text NOT NULL,
  -- SHA-256 of the request's URL and canonical JSON body: the same key with another request is refused.
  fingerprint text NOT NULL,
  -- Kept as long as the library the write belongs to.
  library_id  uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  status      smallint NOT NULL,
  response    jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key_id, route, key)
);
CREATE INDEX idempotency_keys_library_idx ON idempotency_keys (library_id);
