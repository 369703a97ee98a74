-- Chat turns (traces), the guidance each one used, and feedback on turns and conversations.

-- One row per chat or compose turn: what shaped the answer and how the call went. Message texts are
-- not stored: a trace explains an answer without keeping the customer's words.
CREATE TABLE chat_traces (
  id                uuid PRIMARY KEY,
  library_id        uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  -- Chosen by the caller; groups turns of one conversation. NULL: the turn stands alone.
  conversation_id   text,
  key_id            uuid,
  endpoint          text NOT NULL CHECK (endpoint IN ('compose', 'chat', 'chat.completions')),
  stream            boolean NOT NULL DEFAULT false,
  model             text,
  retrieval_status  text NOT NULL CHECK (retrieval_status IN ('ok', 'failed')),
  retrieval_error   text,
  retrieval_ms      integer NOT NULL,
  model_ms          integer,
  prompt_tokens     integer,
  completion_tokens integer,
  total_tokens      integer,
  finish_reason     text,
  status            text NOT NULL CHECK (status IN ('ok', 'error', 'aborted')),
  error_code        text,
  error_message     text,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_traces_conversation_idx ON chat_traces (conversation_id, created_at) WHERE conversation_id IS NOT NULL;
CREATE INDEX chat_traces_library_idx ON chat_traces (library_id, created_at);

-- The guidance a trace put in the prompt. No foreign key to the entry: history outlives deletions.
CREATE TABLE chat_trace_guidance (
  trace_id uuid NOT NULL REFERENCES chat_traces (id) ON DELETE CASCADE,
  entry_id uuid NOT NULL,
  version  integer NOT NULL,
  score    double precision NOT NULL,
  rank     integer NOT NULL,
  PRIMARY KEY (trace_id, entry_id)
);
CREATE INDEX chat_trace_guidance_entry_idx ON chat_trace_guidance (entry_id);

-- Feedback on a conversation (conversation_id set) or on a single turn that has none.
CREATE TABLE chat_feedback (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  library_id       uuid NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
  trace_id         uuid NOT NULL REFERENCES chat_traces (id) ON DELETE CASCADE,
  conversation_id  text,
  rating           smallint CHECK (rating BETWEEN 1 AND 5),
  resolved         boolean,
  policy_violation boolean,
  comment          text,
  key_id           uuid,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_feedback_library_idx ON chat_feedback (library_id);
