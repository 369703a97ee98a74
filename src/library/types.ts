export const STATUSES = ['draft', 'approved', 'retired'] as const;
export type GuidanceStatus = (typeof STATUSES)[number];

export interface Library {
  id: string;
  name: string;
  description: string;
  policy: string;
  embedder: string;
  embedding_dim: number;
  created_at: Date;
  updated_at: Date;
}

/** The fields a caller writes; everything else is the service's bookkeeping. */
export interface GuidanceContent {
  scenario: string;
  guidance: string;
  examples: string[];
  tags: string[];
  policy_refs: string[];
}

export interface GuidanceEntry extends GuidanceContent {
  id: string;
  library_id: string;
  external_id: string | null;
  status: GuidanceStatus;
  version: number;
  provenance: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface GuidanceInput extends Partial<Omit<GuidanceContent, 'scenario' | 'guidance'>> {
  scenario: string;
  guidance: string;
  /** Matches an existing entry of the same library on re-import (an export carries it). */
  id?: string;
  external_id?: string | null;
  status?: GuidanceStatus;
  provenance?: Record<string, unknown>;
}

export interface GuidanceVersion extends GuidanceContent {
  entry_id: string;
  version: number;
  status: GuidanceStatus;
  provenance: Record<string, unknown>;
  change: 'create' | 'update' | 'status' | 'restore';
  reason: string | null;
  changed_by: string | null;
  created_at: Date;
}

/** Who made a change and why, recorded with every version. */
export interface Actor {
  keyId: string | null;
  reason?: string;
}
