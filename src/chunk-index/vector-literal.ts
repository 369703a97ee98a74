/**
 * A vector in pgvector's text form, or null for the zero vector: a text without content words
 * ("hi!") embeds to it, and its cosine distance to anything is NaN, so it is neither stored nor
 * searched with.
 *
 * Six decimals of a unit vector's components change cosines by ~1e-6 and keep statements short;
 * Math.round is several times faster than toPrecision on a hot import path.
 */
export function vectorLiteral(vector: readonly number[]): string | null {
  if (vector.every((x) => x === 0)) return null;
  return `[${vector.map((x) => Math.round(x * 1e6) / 1e6).join(',')}]`;
}
