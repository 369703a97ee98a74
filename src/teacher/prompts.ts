import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../project-root.js';

/** The prompt of each step, by file name: `<step>.v<version>.md`. A new version is a new file. */
const FILES = {
  customer: 'customer.v1.md',
  agent: 'agent.v1.md',
  compare: 'compare.v1.md',
  decisionPoints: 'decision-points.v2.md',
  write: 'write.v3.md',
  judge: 'judge.v3.md',
  refine: 'refine.v3.md',
  merge: 'merge.v2.md',
  policyCheck: 'policy-check.v1.md',
  generate: 'generate.v1.md',
  aim: 'aim.v1.md',
} as const;

export type PromptName = keyof typeof FILES;

export interface Prompt {
  text: string;
  /** e.g. `contrast.v1`: recorded in the provenance of every entry the prompt helped write. */
  version: string;
}

export type Prompts = Record<PromptName, Prompt>;

export function promptsDir(): string {
  return path.join(projectRoot(), 'src', 'teacher', 'prompts');
}

/** Read once at start-up, so a missing prompt file stops the service instead of failing a job. */
export function loadPrompts(dir: string = promptsDir()): Prompts {
  return Object.fromEntries(
    Object.entries(FILES).map(([name, file]) => [name, { text: readFileSync(path.join(dir, file), 'utf8').trim(), version: file.replace(/\.md$/, '') }]),
  ) as Prompts;
}

/** The versions a job uses, for provenance. */
export function promptVersions(prompts: Prompts): Record<string, string> {
  return Object.fromEntries(Object.values(prompts).map((p) => [p.version.replace(/\.v\d+$/, ''), p.version]));
}
