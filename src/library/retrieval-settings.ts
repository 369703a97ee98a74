/** How many entries a turn retrieves and the lowest score it keeps; either may be left to what is above. */
export interface RetrievalChoice {
  k?: number;
  min_score?: number;
}

/** A library's retrieval settings: its own choice, and one per student model that overrides it. */
export interface RetrievalSettings extends RetrievalChoice {
  by_model?: Record<string, RetrievalChoice>;
}

export const DEFAULT_K = 5;

/**
 * What a turn uses: the request's own values, else the override for the student model in force,
 * else the library's, else the service defaults. Stronger students may take more notes than weaker ones.
 */
export function retrievalFor(settings: RetrievalSettings, model: string | null, request: RetrievalChoice): { k: number; minScore: number } {
  const forModel = model === null ? undefined : settings.by_model?.[model];
  return {
    k: request.k ?? forModel?.k ?? settings.k ?? DEFAULT_K,
    minScore: request.min_score ?? forModel?.min_score ?? settings.min_score ?? 0,
  };
}
