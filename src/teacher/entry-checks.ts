import type { EntryText } from './output-schemas.js';

export const GUIDANCE_WORDS = 120;
// "At most ~120 words": a few words over is not worth a repair call.
const WORD_TOLERANCE = 10;

const normalise = (text: string) =>
  text
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\s+/g, ' ')
    .replace(/^["'\s]+|["'.;:\s]+$/g, '');

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** What a schema cannot check about an entry: its length, that policy_refs quote the policy, and tool conditions that can be met. */
export function entryProblems(policy: string, entry: EntryText): string[] {
  const problems: string[] = [];
  const words = wordCount(entry.guidance);
  if (words > GUIDANCE_WORDS + WORD_TOLERANCE) problems.push(`guidance has ${words} words; it must have at most ${GUIDANCE_WORDS}`);
  const text = normalise(policy);
  for (const ref of entry.policy_refs) {
    if (!text.includes(normalise(ref))) problems.push(`policy_refs item "${ref}" is not quoted exactly from the firm policy`);
  }
  for (const tool of entry.before_tools ?? []) {
    if (entry.after_tools?.includes(tool)) problems.push(`${tool} is in both after_tools and before_tools, so the note could never apply`);
  }
  return problems;
}
