// A word diff (longest common subsequence) between two versions of a text: enough for guidance
// paragraphs, which are short; long texts fall back to whole-text replacement to stay fast.
const MAX_CELLS = 250_000;

export function wordDiff(before, after) {
  const a = (before ?? '').split(/(\s+)/);
  const b = (after ?? '').split(/(\s+)/);
  if (a.length * b.length > MAX_CELLS) return [{ op: 'del', text: before ?? '' }, { op: 'add', text: after ?? '' }];
  const table = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
  const parts = [];
  const push = (op, text) => {
    const last = parts[parts.length - 1];
    if (last?.op === op) last.text += text;
    else parts.push({ op, text });
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      push('same', a[i++]);
      j++;
    } else if (table[i + 1][j] >= table[i][j + 1]) push('del', a[i++]);
    else push('add', b[j++]);
  }
  while (i < a.length) push('del', a[i++]);
  while (j < b.length) push('add', b[j++]);
  return parts;
}

const asText = (value) => (Array.isArray(value) ? value.join('\n') : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value ?? ''));

export const DIFF_FIELDS = ['scenario', 'guidance', 'examples', 'tags', 'policy_refs', 'applies_when', 'status'];

/** The fields that differ between two versions, each as a word diff. */
export function versionDiff(before, after) {
  return DIFF_FIELDS.map((field) => ({ field, before: asText(before?.[field]), after: asText(after?.[field]) }))
    .filter(({ before: x, after: y }) => x !== y)
    .map(({ field, before: x, after: y }) => ({ field, parts: wordDiff(x, y) }));
}
