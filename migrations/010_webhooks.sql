-- Webhooks: a library's subscriptions, an outbox of events written in the same transaction as the
-- change they report (so nothing committed goes unreported), and one delivery per event and
-- subscription, retried with backoff; the deliveries are the delivery log.

CREATE TABLE webhooks (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  library_id  uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  url         text NOT NULL,
  -- The HMAC key deliveries are signed with; shown once when the webhook is created.
  secret      text NOT NULL,
  events      text[] NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_library_idx ON webhooks (library_id);

CREATE TABLE webhook_events (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  library_id  uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  type        text NOT NULL,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  id              bigserial PRIMARY KEY,
  event_id        uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
  webhook_id      uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  -- When the next attempt is due; a worker claiming it pushes this past its own attempt, so a
  -- crashed instance's claim simply lapses.
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  response_status integer,
  error           text,
  delivered_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, webhook_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id DESC);

-- Every event fans out to the library's webhooks subscribed to its type, in the same transaction.
CREATE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (event_id, webhook_id)
  SELECT NEW.id, w.id FROM webhooks w WHERE w.library_id = NEW.library_id AND NEW.type = ANY (w.events);
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_events_fan_out AFTER INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION webhook_fan_out();

-- Events of changes made anywhere in the code, so no writer can forget to report one.
CREATE FUNCTION webhook_entry_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_events (library_id, type, payload)
  VALUES (NEW.library_id, 'entry.status_changed', jsonb_build_object(
    'entry_id', NEW.id, 'external_id', NEW.external_id, 'version', NEW.version, 'from', OLD.status, 'to', NEW.status));
  RETURN NULL;
END $$;
CREATE TRIGGER guidance_entries_webhook AFTER UPDATE OF status ON guidance_entries
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION webhook_entry_status();

CREATE FUNCTION webhook_job_finished() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_events (library_id, type, payload)
  VALUES (NEW.library_id, 'job.finished', jsonb_build_object(
    'job_id', NEW.id, 'kind', TG_ARGV[0], 'status', NEW.status, 'error', to_jsonb(NEW) -> 'error'));
  RETURN NULL;
END $$;
CREATE TRIGGER teacher_jobs_webhook AFTER UPDATE OF status ON teacher_jobs
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status NOT IN ('pending', 'running'))
  EXECUTE FUNCTION webhook_job_finished('teacher');
CREATE TRIGGER reembed_jobs_webhook AFTER UPDATE OF status ON reembed_jobs
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status NOT IN ('pending', 'running'))
  EXECUTE FUNCTION webhook_job_finished('reembed');
