-- Retrieval settings per library: k and min_score, with overrides per student model, used by chat
-- and compose when a request gives neither. {} means the service defaults (k 5, min_score 0).
-- Shape: {"k": 5, "min_score": 0.2, "by_model": {"<student model>": {"k": 3}}}; checked by the API.
ALTER TABLE libraries ADD COLUMN retrieval jsonb NOT NULL DEFAULT '{}';
