/**
 * The JSON object in a model's answer. Real models wrap it: a `<think>` block before it, prose
 * around it ("Sure! Here it is: {...}"), a markdown fence with text around the fence. Candidates are
 * tried in order (the whole answer, each fenced block, each balanced `{...}` span) and the first that
 * parses is the answer; null when none does.
 */
export function extractJson(answer: string): unknown {
  const text = withoutThinking(answer).trim();
  for (const candidate of [text, ...fencedBlocks(text), ...objectSpans(text)]) {
    try {
      return JSON.parse(candidate);
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Reasoning models think aloud first; an unclosed block (cut off) leaves nothing to parse before it. */
function withoutThinking(text: string): string {
  const closed = text.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, '');
  const open = /<(think|thinking|reasoning)>/i.exec(closed);
  return open === null ? closed : closed.slice(0, open.index);
}

function fencedBlocks(text: string): string[] {
  return [...text.matchAll(/```[a-zA-Z]*\s*\n?([\s\S]*?)```/g)].map((m) => m[1]!.trim());
}

/** Top-level `{...}` spans, braces inside JSON strings ignored; a prose brace before the object just yields a span that fails to parse. */
function objectSpans(text: string): string[] {
  const spans: string[] = [];
  for (let start = text.indexOf('{'); start !== -1; start = text.indexOf('{', start + 1)) {
    const end = matchingBrace(text, start);
    if (end !== -1) spans.push(text.slice(start, end + 1));
  }
  return spans;
}

function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}
