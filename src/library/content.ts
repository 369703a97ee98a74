import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { GuidanceContent, GuidanceInput } from './types.js';

const clean = (list: string[] | undefined) => (list ?? []).map((item) => item.trim()).filter((item) => item !== '');

/** Fills the optional lists and trims text, so equal content always looks equal. Tool lists are sets. */
export function normaliseContent(input: GuidanceInput | GuidanceContent): GuidanceContent {
  return {
    scenario: input.scenario.trim(),
    guidance: input.guidance.trim(),
    examples: clean(input.examples),
    tags: [...new Set(clean(input.tags))],
    policy_refs: clean(input.policy_refs),
    applies_when: {
      after_tools: [...new Set(clean(input.applies_when?.after_tools))].sort(),
      before_tools: [...new Set(clean(input.applies_when?.before_tools))].sort(),
    },
  };
}

/** A tool both required and forbidden to have run would make an entry that never applies. */
export function checkAppliesWhen(content: GuidanceContent, field: string): void {
  const { after_tools, before_tools } = content.applies_when;
  const both = before_tools.find((tool) => after_tools.includes(tool));
  if (both !== undefined) throw ValidationError.at(`${field}.before_tools`, `names ${both}, which after_tools names too: the entry could never apply`);
}

/** The most examples an entry keeps, and the longest one (every write of examples checks both). */
export const MAX_EXAMPLES = 200;
export const MAX_EXAMPLE_LENGTH = 4_000;

/** An example as duplicates compare: case and spacing ignored. */
export function exampleKey(example: string): string {
  return example.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Identifies content so a re-import can tell "unchanged" without comparing every text. */
export function contentHash(content: GuidanceContent): string {
  const fields: unknown[] = [content.scenario, content.guidance, content.examples, content.tags, content.policy_refs];
  const { after_tools, before_tools } = content.applies_when;
  // Only when set, so entries written before tool conditions existed keep their hash.
  if (after_tools.length + before_tools.length > 0) fields.push(after_tools, before_tools);
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}
