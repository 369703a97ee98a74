-- Two writers of one library deadlocked in the document-frequency trigger: its decrement (UPDATE
-- ... FROM) locked the stats rows in join order, its increment in (library_id, term) order, so
-- one transaction could hold a lexeme's row while waiting for '' and the other the reverse.
-- The decrement now locks its rows in the increment's order first. Every write touches the
-- library's '' row (the entry count), which sorts first: writers of a library queue on it before
-- they hold anything else, and never deadlock.
CREATE OR REPLACE FUNCTION coach_term_stats_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM 1 FROM guidance_term_stats s
    WHERE (s.library_id, s.term) IN (SELECT o.library_id, lex.lexeme FROM old_rows o, unnest(o.search_tsv) lex
                                     UNION SELECT o.library_id, '' FROM old_rows o)
    ORDER BY s.library_id, s.term
    FOR UPDATE;
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
