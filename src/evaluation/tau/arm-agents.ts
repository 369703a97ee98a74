import path from 'node:path';
import { composePrompt } from '../../chat/composer.js';
import type { Config, ModelEndpointConfig } from '../../config.js';
import { ChatModel } from '../../models/chat-model.js';
import type { ArmName } from '../arms.js';
import type { CoachClient, LibrarySnapshot } from '../coach-client.js';
import { genericPlaybook, PlaybookBudgetError, playbookNote, type GenericPlaybook } from '../generic-playbook.js';
import { libraryProvenances } from '../library-build.js';
import { loadEvalPrompts } from '../prompts.js';
import { trainingSourceIds } from '../split.js';
import { OpenAIAgent, type AgentModel } from './agent-model.js';
import { TauUsageError } from './cli-options.js';
import { CoachAgent } from './coach-agent.js';
import { scenarioIdOf, type DomainData, type TauTask } from './domain-data.js';
import { scenarioOfSource } from './transcripts.js';

/**
 * The system prompt of an arm served outside Coach: the policy (and the generic arm's playbook as
 * one note) composed exactly as Coach composes a library's policy and notes, so that every arm's
 * prompt has one shape and the arms differ only in their notes.
 */
export function servedPrompt(policy: string, playbook?: GenericPlaybook): string {
  const guidance = playbook === undefined ? [] : [playbookNote(playbook.text)];
  return composePrompt({ policy, guidance, messages: [], guidanceTokenBudget: playbook?.budget ?? 0 }).messages[0]!.content ?? '';
}

/** An arm as it is played: the agent, and the system prompt it is given (none through Coach). */
export interface TauArm {
  arm: ArmName;
  agent: AgentModel;
  systemPrompt?: string;
}

/** The library of the coach arm as read at the start: what it was taught on, and what it serves. */
export interface CoachLibrary {
  snapshot: LibrarySnapshot;
  provenances: Record<string, unknown>[];
  /** Tasks of this run whose scenario id is a source the library was taught on. */
  overlapping: string[];
  studentModel: string;
}

export class TrainTaskOverlapError extends TauUsageError {
  constructor(overlapping: string[]) {
    const shown = overlapping.slice(0, 10).join(', ');
    super(
      `${overlapping.length} task(s) were used to build the library and would flatter the coach arm: ${shown}${overlapping.length > 10 ? ', …' : ''}; ` +
        'evaluate on held-out tasks (build on the train tasks, evaluate on dev), or pass --force to evaluate on them anyway (the report records it)',
    );
  }
}

/** Reads the library, refuses the tasks it was built from unless forced, and finds the student Coach serves it with. */
export async function coachLibrary(coach: CoachClient, libraryId: string, data: DomainData, tasks: TauTask[], force: boolean): Promise<{ library: CoachLibrary; warnings: string[] }> {
  const snapshot = await coach.library(libraryId);
  const provenances = await libraryProvenances(coach, snapshot);
  const taught = new Set([...trainingSourceIds(provenances)].map(scenarioOfSource));
  const overlapping = tasks.map((task) => scenarioIdOf(data.domain, task)).filter((id) => taught.has(id));
  if (overlapping.length > 0 && !force) throw new TrainTaskOverlapError(overlapping);
  const studentModel = await coach.studentModel(snapshot.id);
  if (studentModel === null) throw new TauUsageError(`Coach does not serve library ${libraryId} a student (GET /v1/models): set STUDENT_* on the service, and use a key of that library`);
  const warnings =
    snapshot.policy.trim() === data.policy.trim()
      ? []
      : [`the library's policy is not the ${data.domain} policy: the coach arm is served the library's, every other arm the domain's, so they differ in more than guidance`];
  if (overlapping.length > 0) warnings.push(`${overlapping.length} task(s) built the library and are evaluated anyway (--force): ${overlapping.slice(0, 10).join(', ')}`);
  return { library: { snapshot, provenances, overlapping, studentModel }, warnings };
}

/**
 * The generic arm's playbook, as eval:dialogue's: written by the teacher from the policy alone,
 * within CHAT_GUIDANCE_TOKEN_BUDGET, cached beside the output directory.
 */
export async function tauPlaybook(outDir: string, policy: string, config: Config, signal: AbortSignal): Promise<GenericPlaybook> {
  const teacher = config.models.teacher;
  if (teacher === undefined) throw new TauUsageError('the generic arm needs the teacher to write its playbook: TEACHER_BASE_URL and TEACHER_MODEL');
  try {
    return await genericPlaybook({
      policy,
      prompt: loadEvalPrompts().genericPlaybook,
      budget: config.chat.guidanceTokenBudget,
      teacher: new ChatModel('teacher', teacher),
      cacheDir: path.join(path.dirname(outDir), 'generic-playbooks'),
      signal,
    });
  } catch (err) {
    throw err instanceof PlaybookBudgetError ? new TauUsageError(err.message) : err;
  }
}

export interface ArmEndpoints {
  student?: ModelEndpointConfig;
  teacher?: ModelEndpointConfig;
  sft?: ModelEndpointConfig;
  coach?: { url: string; apiKey: string; library: CoachLibrary };
}

const NEEDS: Record<Exclude<ArmName, 'coach'>, { role: keyof ArmEndpoints; fix: string }> = {
  student: { role: 'student', fix: 'STUDENT_BASE_URL and STUDENT_MODEL' },
  generic: { role: 'student', fix: 'STUDENT_BASE_URL and STUDENT_MODEL' },
  teacher: { role: 'teacher', fix: 'TEACHER_BASE_URL and TEACHER_MODEL' },
  sft: { role: 'sft', fix: 'SFT_BASE_URL and SFT_MODEL, or --sft-base-url and --sft-model' },
};

/** Each arm's agent, served as production serves it; a missing endpoint fails before any trial. */
export function tauArms(arms: ArmName[], endpoints: ArmEndpoints, policy: string, playbook: GenericPlaybook | null, temperature: number): TauArm[] {
  return arms.map((arm): TauArm => {
    if (arm === 'coach') {
      const coach = endpoints.coach!;
      const agent = new CoachAgent({ coachUrl: coach.url, apiKey: coach.apiKey, libraryId: coach.library.snapshot.id, studentModel: coach.library.studentModel, temperature });
      return { arm, agent };
    }
    const { role, fix } = NEEDS[arm];
    const endpoint = endpoints[role] as ModelEndpointConfig | undefined;
    if (endpoint === undefined) throw new TauUsageError(`the ${arm} arm needs ${fix}`);
    return { arm, agent: new OpenAIAgent(endpoint, temperature), systemPrompt: servedPrompt(policy, arm === 'generic' ? playbook! : undefined) };
  });
}
