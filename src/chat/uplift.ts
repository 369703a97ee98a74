/**
 * Causal uplift of one entry from its randomised hold-out: the outcome of conversations where it
 * was shown minus that of those where it was withheld, with a 95 % interval (normal
 * approximation; closed form, so stats stay a query and a few sums).
 */

const Z95 = 1.959963984540054;

/** Sums of one arm's conversations with feedback. */
export interface ArmTally {
  n: number;
  rated: number;
  rating_sum: number;
  rating_sq_sum: number;
  resolved_known: number;
  resolved_n: number;
  violation_known: number;
  violated_n: number;
}

export interface Uplift {
  shown: number | null;
  withheld: number | null;
  /** shown − withheld; null unless both arms have data. */
  uplift: number | null;
  ci95: [number, number] | null;
  n_shown: number;
  n_withheld: number;
  /**
   * More conversations (with this outcome known, split between the arms as now) after which the
   * interval would exclude 0 if the observed effect held; 0 when it already does; null when the
   * effect is 0 or there is no interval yet.
   */
  more_conversations_needed: number | null;
}

function effect(shown: number | null, withheld: number | null, n1: number, n2: number, estimate: number | null, se: number | null): Uplift {
  const uplift = shown === null || withheld === null ? null : shown - withheld;
  if (uplift === null || estimate === null || se === null) {
    return { shown, withheld, uplift, ci95: null, n_shown: n1, n_withheld: n2, more_conversations_needed: null };
  }
  const ci95: [number, number] = [estimate - Z95 * se, estimate + Z95 * se];
  const excludesZero = ci95[0] > 0 || ci95[1] < 0;
  // The standard error shrinks with the square root of n: solve Z·se·√(n/N) = |estimate| for N.
  const needed = excludesZero ? 0 : estimate === 0 ? null : Math.max(1, Math.ceil((n1 + n2) * ((Z95 * se) / estimate) ** 2 - (n1 + n2)));
  return { shown, withheld, uplift, ci95, n_shown: n1, n_withheld: n2, more_conversations_needed: needed };
}

/** Welch's difference of means: each arm's own variance, no pooling. */
export function meanUplift(shown: { n: number; sum: number; sq: number }, withheld: { n: number; sum: number; sq: number }): Uplift {
  const m = (a: { n: number; sum: number }) => (a.n === 0 ? null : a.sum / a.n);
  const variance = (a: { n: number; sum: number; sq: number }) => Math.max(0, (a.sq - (a.sum * a.sum) / a.n) / (a.n - 1));
  const se = shown.n < 2 || withheld.n < 2 ? null : Math.sqrt(variance(shown) / shown.n + variance(withheld) / withheld.n);
  const [m1, m2] = [m(shown), m(withheld)];
  return effect(m1, m2, shown.n, withheld.n, m1 === null || m2 === null ? null : m1 - m2, se);
}

/**
 * Difference of proportions with the Agresti–Caffo interval (one success and one failure added to
 * each arm): unlike the plain Wald interval it does not collapse to a point when an arm is all 0
 * or all 1, which small arms often are.
 */
export function rateUplift(shown: { k: number; n: number }, withheld: { k: number; n: number }): Uplift {
  const p = (a: { k: number; n: number }) => (a.n === 0 ? null : a.k / a.n);
  if (shown.n === 0 || withheld.n === 0) return effect(p(shown), p(withheld), shown.n, withheld.n, null, null);
  const adjusted = (a: { k: number; n: number }) => (a.k + 1) / (a.n + 2);
  const [a1, a2] = [adjusted(shown), adjusted(withheld)];
  const se = Math.sqrt((a1 * (1 - a1)) / (shown.n + 2) + (a2 * (1 - a2)) / (withheld.n + 2));
  return effect(p(shown), p(withheld), shown.n, withheld.n, a1 - a2, se);
}

export interface CausalOutcome {
  conversations: { shown: number; withheld: number };
  mean_rating: Uplift;
  resolution_rate: Uplift;
  policy_violation_rate: Uplift;
}

export function causalOutcome(shown: ArmTally, withheld: ArmTally): CausalOutcome {
  return {
    conversations: { shown: shown.n, withheld: withheld.n },
    mean_rating: meanUplift({ n: shown.rated, sum: shown.rating_sum, sq: shown.rating_sq_sum }, { n: withheld.rated, sum: withheld.rating_sum, sq: withheld.rating_sq_sum }),
    resolution_rate: rateUplift({ k: shown.resolved_n, n: shown.resolved_known }, { k: withheld.resolved_n, n: withheld.resolved_known }),
    policy_violation_rate: rateUplift({ k: shown.violated_n, n: shown.violation_known }, { k: withheld.violated_n, n: withheld.violation_known }),
  };
}
