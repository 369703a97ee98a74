/**
 * A vector in pgvector's text form, or null for the zero vector: a text without content words
 * ("hi!") embeds to it, and its cosine distance to anything is NaN, so it is neither stored nor
 * searched with.
 *
 * Six decimals of a unit vector's components change cosines by ~1e-6 and keep statements short.
 * Each component is written from its rounded integer, three digits at a time, and the parts
 * joined: formatting them as floats (Math.round(x * 1e6) / 1e6) took twice as long, and appending
 * to one string leaves a rope that costs far more once flattened.
 */
export function vectorLiteral(vector: readonly number[]): string | null {
  if (vector.every((x) => x === 0)) return null;
  const parts = new Array<string>(vector.length);
  for (let i = 0; i < vector.length; i++) parts[i] = sixDecimals(vector[i]!);
  return `[${parts.join(',')}]`;
}

function sixDecimals(x: number): string {
  let micros = Math.round(x * 1e6);
  if (micros === 0) return '0';
  const sign = micros < 0 ? '-' : '';
  micros = Math.abs(micros);
  const whole = Math.floor(micros / 1e6);
  const fraction = micros - whole * 1e6;
  const high = Math.floor(fraction / 1000);
  return `${sign}${whole}.${THREE_DIGITS[high]}${THREE_DIGITS[fraction - high * 1000]}`;
}

const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
