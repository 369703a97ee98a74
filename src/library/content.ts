import { createHash } from 'node:crypto';
import type { GuidanceContent, GuidanceInput } from './types.js';

/** Fills the optional lists and trims text, so equal content always looks equal. */
export function normaliseContent(input: GuidanceInput | GuidanceContent): GuidanceContent {
  const clean = (list: string[] | undefined) => (list ?? []).map((item) => item.trim()).filter((item) => item !== '');
  return {
    scenario: input.scenario.trim(),
    guidance: input.guidance.trim(),
    examples: clean(input.examples),
    tags: [...new Set(clean(input.tags))],
    policy_refs: clean(input.policy_refs),
  };
}

/** Identifies content so a re-import can tell "unchanged" without comparing every text. */
export function contentHash(content: GuidanceContent): string {
  const canonical = JSON.stringify([content.scenario, content.guidance, content.examples, content.tags, content.policy_refs]);
  return createHash('sha256').update(canonical).digest('hex');
}
