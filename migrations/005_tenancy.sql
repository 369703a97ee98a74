-- Keys that stop working at a given time. NULL: the key never expires.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
