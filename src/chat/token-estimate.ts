/**
 * A tokenizer-free token estimate: ~4 characters per token for ASCII text (the usual rule of thumb
 * for BPE tokenizers on English) and one token per other character, since CJK and accented text
 * tokenizes far more densely. It errs high, so a prompt within the estimated budget stays within
 * the real one for any student model.
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const char of text) {
    if (char.charCodeAt(0) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4) + other;
}
