import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../project-root.js';
import type { Prompt } from '../teacher/prompts.js';

/** The harness's own prompts, by file name `<name>.v<version>.md`; a new version is a new file. */
const FILES = {
  judgeScores: 'judge-scores.v1.md',
  pairwise: 'pairwise.v1.md',
  customerRating: 'customer-rating.v1.md',
  genericPlaybook: 'generic-playbook.v1.md',
} as const;

export type EvalPrompts = Record<keyof typeof FILES, Prompt>;

export function loadEvalPrompts(dir: string = path.join(projectRoot(), 'src', 'evaluation', 'prompts')): EvalPrompts {
  return Object.fromEntries(
    Object.entries(FILES).map(([name, file]) => [name, { text: readFileSync(path.join(dir, file), 'utf8').trim(), version: file.replace(/\.md$/, '') }]),
  ) as EvalPrompts;
}
