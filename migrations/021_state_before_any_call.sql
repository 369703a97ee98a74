-- An example taken from a conversation before any tool call ends with the line ∅
-- (src/retrieval/example-text.ts). Its tool state is the empty one, '': which step agents take
-- first. An example with neither call lines nor that line (most written by hand) still has no state.
CREATE OR REPLACE FUNCTION coach_example_states(examples text[]) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN array(
    SELECT coalesce(s.state, '')
    FROM unnest(examples) WITH ORDINALITY AS u(example, ordinal)
    CROSS JOIN LATERAL (
      SELECT string_agg(m[1], ',' ORDER BY m[1] COLLATE "C") AS state
      FROM regexp_matches(u.example, '^([A-Za-z0-9_-]{1,64})\(.*\)( → .*)?$', 'gn') AS m
    ) s
    WHERE s.state IS NOT NULL OR u.example ~ '(^|\n)∅\s*$'
    ORDER BY u.ordinal
  );

-- The stored states were computed by the function before: an entry with such a line written by hand
-- gets its state now. Nothing wrote the line before this migration, so few entries or none match.
UPDATE guidance_entries SET examples = examples
WHERE EXISTS (SELECT 1 FROM unnest(examples) AS x(example) WHERE x.example ~ '(^|\n)∅\s*$');
