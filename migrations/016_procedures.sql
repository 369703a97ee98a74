-- An entry may be one step of a procedure, the ordered steps a conversation works through (verify
-- the customer, look the order up, offer the refund): {"name": text, "step": integer >= 1,
-- "tool": text or null}. The n-th step of a procedure that a tool carries out is done once the
-- conversation has called that tool n times; retrieval favours each procedure's first step not yet
-- done (src/retrieval/procedures.ts). Versions keep it like the other selection rules.
ALTER TABLE guidance_entries ADD COLUMN procedure jsonb;
ALTER TABLE guidance_versions ADD COLUMN procedure jsonb;

ALTER TABLE guidance_entries ADD CONSTRAINT guidance_entries_procedure_shape
  CHECK (procedure IS NULL OR (jsonb_typeof(procedure -> 'name') = 'string' AND jsonb_typeof(procedure -> 'step') = 'number'));

-- Retrieval reads every step of the procedures its candidates belong to.
CREATE INDEX guidance_entries_procedure_idx ON guidance_entries (library_id, (procedure ->> 'name')) WHERE procedure IS NOT NULL;
