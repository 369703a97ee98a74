-- Tool-using agents: the tools a guidance entry applies after or before, and what traces keep of
-- a turn's tools.

-- An entry applies only once every tool in after_tools has run in the conversation, and only while
-- none in before_tools has. Empty: no condition. Versions keep them like the rest of the content.
ALTER TABLE guidance_entries
  ADD COLUMN after_tools  text[] NOT NULL DEFAULT '{}',
  ADD COLUMN before_tools text[] NOT NULL DEFAULT '{}';
ALTER TABLE guidance_versions
  ADD COLUMN after_tools  text[] NOT NULL DEFAULT '{}',
  ADD COLUMN before_tools text[] NOT NULL DEFAULT '{}';

-- The names of the tools the turn offered the student, the tool calls the student answered with
-- (OpenAI form: [{id, type, function: {name, arguments}}]) and the tool results it was given
-- ([{tool_call_id, name, content}]).
-- Unlike message texts these are kept, cut to 1000 characters each: what a tool did is what the
-- turn's guidance was chosen for.
ALTER TABLE chat_traces
  ADD COLUMN tools_offered text[] NOT NULL DEFAULT '{}',
  ADD COLUMN tool_calls    jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN tool_results  jsonb NOT NULL DEFAULT '[]';

-- The offered tools the entry's guidance names, so stats can tell whether the student's next call
-- was one of them.
ALTER TABLE chat_trace_guidance ADD COLUMN named_tools text[] NOT NULL DEFAULT '{}';
