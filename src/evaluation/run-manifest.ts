import { readFile, writeFile } from 'node:fs/promises';

/** What must not change between a run and its resumption, or the resumed records would mix setups. */
export interface RunManifest {
  /** Absent in a τ-bench run without a coach arm; a library added later is fine. */
  library_id?: string;
  /** Anything else the records depend on (the τ-bench domain and task file), each compared by name. */
  setup?: Record<string, string>;
  models: Record<string, string>;
  prompts: Record<string, string>;
  max_turns: number;
  /** The generic arm's playbook (its cache key): another playbook would mix generic conversations. */
  generic_playbook?: string;
}

export class ManifestMismatchError extends Error {
  constructor(file: string, field: string) {
    super(`${file} belongs to a run with a different ${field}; resume it with the same settings, or choose another --out`);
    this.name = 'ManifestMismatchError';
  }
}

/**
 * Records the setup on the first run and checks it on every later one. Arms and models added later
 * are fine (their conversations are new); a changed model, prompt or library is not.
 */
export async function checkManifest(file: string, manifest: RunManifest): Promise<void> {
  let previous: RunManifest | undefined;
  try {
    previous = JSON.parse(await readFile(file, 'utf8')) as RunManifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (previous !== undefined) {
    if (previous.library_id !== undefined && manifest.library_id !== undefined && previous.library_id !== manifest.library_id) throw new ManifestMismatchError(file, 'library');
    for (const [key, value] of Object.entries(manifest.setup ?? {})) {
      if (previous.setup?.[key] !== undefined && previous.setup[key] !== value) throw new ManifestMismatchError(file, key.replace(/_/g, ' '));
    }
    if (previous.max_turns !== manifest.max_turns) throw new ManifestMismatchError(file, 'max turns');
    if (previous.generic_playbook !== undefined && manifest.generic_playbook !== undefined && previous.generic_playbook !== manifest.generic_playbook) {
      throw new ManifestMismatchError(file, 'generic playbook (policy, playbook prompt, guidance budget or teacher model)');
    }
    for (const [key, value] of Object.entries(manifest.models)) {
      if (previous.models[key] !== undefined && previous.models[key] !== value) throw new ManifestMismatchError(file, `${key} model`);
    }
    for (const [key, value] of Object.entries(manifest.prompts)) {
      if (previous.prompts[key] !== undefined && previous.prompts[key] !== value) throw new ManifestMismatchError(file, `${key} prompt`);
    }
  }
  const merged = {
    ...manifest,
    library_id: manifest.library_id ?? previous?.library_id,
    setup: manifest.setup === undefined && previous?.setup === undefined ? undefined : { ...previous?.setup, ...manifest.setup },
    generic_playbook: manifest.generic_playbook ?? previous?.generic_playbook,
    models: { ...previous?.models, ...manifest.models },
    prompts: { ...previous?.prompts, ...manifest.prompts },
  };
  await writeFile(file, JSON.stringify(merged, null, 2) + '\n');
}
