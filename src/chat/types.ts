/** A retrieved guidance entry as the composer renders it into the student's prompt. */
export interface GuidanceNote {
  id: string;
  version: number;
  score: number;
  scenario: string;
  guidance: string;
  /** Placed ahead of the others, within the budget first. */
  always_on?: boolean;
  /** Notes it requires that were selected with it: without them it is left out too. */
  needs?: string[];
}

/** A guidance entry version that was in a prompt, with its retrieval score: provenance of a turn. */
export interface GuidanceRef {
  id: string;
  version: number;
  score: number;
}
