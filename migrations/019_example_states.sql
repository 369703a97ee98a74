-- The tool state each example was taken in. An example written from a conversation
-- (src/retrieval/example-text.ts) holds a line per tool call made before it, `name(arguments)` or
-- `name(arguments) → result`; its state is those calls' names sorted (byte order) and joined by
-- commas, a name once per call. An example without such lines (most written by hand) has no state
-- and is left out. Retrieval counts a procedure step's examples taken in the conversation's state:
-- the step they took most often there comes next (src/retrieval/procedures.ts).
CREATE FUNCTION coach_example_states(examples text[]) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN array(
    SELECT s.state
    FROM unnest(examples) WITH ORDINALITY AS u(example, ordinal)
    CROSS JOIN LATERAL (
      SELECT string_agg(m[1], ',' ORDER BY m[1] COLLATE "C") AS state
      FROM regexp_matches(u.example, '^([A-Za-z0-9_-]{1,64})\(.*\)( → .*)?$', 'gn') AS m
    ) s
    WHERE s.state IS NOT NULL
    ORDER BY u.ordinal
  );

ALTER TABLE guidance_entries ADD COLUMN example_states text[] GENERATED ALWAYS AS (coach_example_states(examples)) STORED;
