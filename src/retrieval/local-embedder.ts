import type { Embedder } from './embedder.js';

/**
 * Deterministic, network-free text embedder: signed feature hashing of word unigrams,
 * adjacent content-word bigrams and character n-grams, each with sub-linear (1 + ln tf)
 * weighting. Each feature family is L2-normalised on its own and then mixed with fixed
 * weights, so the cosine of two vectors is (up to hash collisions) a weighted average of
 * the per-family cosines — the weights say how much each family counts, independent of
 * how many features a text happens to produce.
 */

export interface LocalEmbedderOptions {
  /** Which feature recipe (see LOCAL_EMBEDDER_VERSIONS); libraries stored with an earlier one keep it. */
  version?: LocalEmbedderVersion;
  /** Vector length (DEFAULT_DIMENSION when not given). */
  dimension?: number;
  /** Relative weights of the feature families in the final vector. */
  weights?: Partial<FeatureWeights>;
  /** Inclusive character n-gram length range, taken over `#word#` with boundary marks. */
  charNgramRange?: readonly [number, number];
}

export interface FeatureWeights {
  word: number;
  bigram: number;
  char: number;
}

/**
 * 1: content words only. 2: question words count as content too: "when is my bill due?" asks for a
 * date and "why is my bill due?" for a reason, and in version 1 both read "bill due". On ABCD (dev
 * 5-fold CV, npm run eval:retrieval) acc@1 after customer turns 1/2/3 .630/.802/.826 →
 * .636/.805/.834, and at the state level (n = 3,107) .785 → .789. 3: a duration the customer states
 * is a feature (see durationFeatures): state level .799 → .802 (9 action points gained, none lost),
 * intent acc@1 after turn 3 and whole .839/.873 → .841/.875, turns 1 and 2 unchanged. 4: a duration
 * also counts by the calendar span it falls within (see durationSpans): state level .802 → .806
 * (12 action points gained, 2 lost), intent acc@1 after turn 3 and whole .841/.875 → .844/.878
 * (3 conversations gained, none lost), turn 1 one conversation lower, turn 2 unchanged.
 */
export const LOCAL_EMBEDDER_VERSIONS = [1, 2, 3, 4] as const;
export type LocalEmbedderVersion = (typeof LOCAL_EMBEDDER_VERSIONS)[number];
export const LATEST_LOCAL_VERSION: LocalEmbedderVersion = LOCAL_EMBEDDER_VERSIONS.at(-1)!;

/**
 * More dimensions mean fewer features sharing a bucket, and a collision blurs two words into one.
 * On ABCD (dev 5-fold CV, npm run eval:retrieval with EMBEDDINGS_DIMENSIONS) 512 → 1024 moved intent
 * acc@1 after customer turns 1/2/3/whole from .636/.805/.834/.870 to .642/.814/.839/.873, and the
 * state level (n = 3,107) from .792 to .799 (MRR .869 → .872); 1536 gave no more. At 10k entries
 * (npm run bench, two pairs of runs in either order) /retrieve ran as fast (58 vs 117 and 123 vs
 * 100 req/s: the first run of each pair was the faster) and import a quarter slower (1,075 vs
 * 1,414 and 1,630 vs 2,349 entries/s): twice the bytes to write and index per chunk. Libraries
 * stored at 512 keep it: the dimension is part of the embedder id.
 */
export const DEFAULT_DIMENSION = 1024;
const DEFAULT_WEIGHTS: FeatureWeights = { word: 1, bigram: 0.5, char: 1 };
const DEFAULT_CHAR_NGRAM_RANGE: readonly [number, number] = [3, 5];

/**
 * Function words plus generic chat boilerplate (greetings, thanks, politeness, acknowledgements).
 * None of these say anything about *which* situation a conversation is in, and without IDF they
 * would otherwise dominate short turns such as "hi, how can I help you today?".
 */
const STOPWORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between ' +
    'both but by can could did do does doing down during each few for from further had has have having he her ' +
    'here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not ' +
    'now of off on once only or other our ours ourselves out over own same she should so some such than that the ' +
    'their theirs them themselves then there these they this those through to too under until up very was we were ' +
    'what when where which while who whom why will with would you your yours yourself yourselves ' +
    'im ive id ill youre youve youll youd hes shes weve theyre theyve isnt arent wasnt werent dont doesnt ' +
    'didnt cant couldnt wont wouldnt shouldnt hasnt havent hadnt lets thats theres whats ' +
    'also may might must shall us get got go going like want wanted need needed know one thing things something ' +
    'hi hello hey dear thanks thank thankyou please pls ok okay yes yeah yep sure great good nice fine well alright ' +
    'welcome sorry bye goodbye today morning afternoon evening day help assist assistance anything else'
  ).split(' '),
);

/** Stopwords to the full-text query, but version 2 of the embedder keeps them (see LOCAL_EMBEDDER_VERSIONS). */
const QUESTION_WORDS: ReadonlySet<string> = new Set(['what', 'when', 'where', 'which', 'who', 'why', 'how']);
const NOTHING_KEPT: ReadonlySet<string> = new Set();

/** Tokens with more digits are identifiers, phone numbers or amounts, not scenario vocabulary. */
const MAX_DIGITS_PER_TOKEN = 2;
/** E-mail addresses and URLs are identifiers too; split into words they would read as "email com". */
const ADDRESS_PATTERN = /[^\s@]+@[^\s@]+|https?:\/\/\S+|www\.\S+/gi;
const MAY_HOLD_ADDRESS = /@|:\/\/|www\./i;

/** Lower-cased word tokens; apostrophes are dropped so "can't" and "cant" agree. */
function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((token) => token.length > 0);
}

/** Tokens that carry topical content: not stopwords (but those in `kept`), not identifiers, longer than one character. */
export function contentTokens(text: string, kept: ReadonlySet<string> = NOTHING_KEPT): string[] {
  // The address pattern tries every position; most texts hold no address, and this check is linear.
  const addressFree = !MAY_HOLD_ADDRESS.test(text);
  return tokenize(addressFree ? text : text.replace(ADDRESS_PATTERN, ' ')).filter(
    (token) => token.length > 1 && (kept.has(token) || !STOPWORDS.has(token)) && countDigits(token) <= MAX_DIGITS_PER_TOKEN,
  );
}

function countDigits(token: string): number {
  let digits = 0;
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    if (code >= 48 && code <= 57) digits++;
  }
  return digits;
}

/** Counts written as words, as customers write them ("a week ago", "two days"). */
const NUMBER_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12 };
/** The units of a duration, each in days. */
const UNIT_DAYS: Record<string, number> = { minute: 1 / 1440, hour: 1 / 24, day: 1, week: 7, month: 30, year: 365 };
const DURATION_PATTERN = new RegExp(`\\b(\\d{1,2}|${Object.keys(NUMBER_WORDS).join('|')})\\s+(${Object.keys(UNIT_DAYS).join('|')})s?\\b`, 'g');
/** The spans policies are written in ("within 24 hours", "valid for 7 days", "a month", "a year"), by their length in days. */
const CALENDAR_SPANS = [
  { name: 'day', days: 1 },
  { name: 'week', days: 7 },
  { name: 'month', days: 31 },
  { name: 'year', days: 366 },
];

function durations(text: string): { count: number; unit: string }[] {
  return [...text.toLowerCase().matchAll(DURATION_PATTERN)].map(([, count, unit]) => ({ count: NUMBER_WORDS[count!] ?? Number(count), unit: unit! }));
}

/**
 * "9 days", "a week", "two months" as `9 day`, `1 week`, `2 month`. A number alone is usually an
 * identifier or an amount and is dropped (contentTokens), but the time since something happened
 * is what policies turn on (a return window, a promotion that lasts 7 days, a late delivery), and
 * conversations alike in every word but that one are often different situations.
 */
export function durationFeatures(text: string): string[] {
  return durations(text).map(({ count, unit }) => `${count} ${unit}`);
}

/**
 * Each duration as the shortest calendar span holding it: "5 days" and "two days" are `within
 * week`, "9 days" `within month`, "two years" `over year`. The exact feature alone links a query
 * only to examples that state the same number, while customers on the same side of a 7-day rule
 * name any number from 1 to 6.
 */
export function durationSpans(text: string): string[] {
  return durations(text).map(({ count, unit }) => {
    const span = CALENDAR_SPANS.find(({ days }) => count * UNIT_DAYS[unit]! <= days);
    return span === undefined ? `over ${CALENDAR_SPANS.at(-1)!.name}` : `within ${span.name}`;
  });
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1aStep(hash: number, code: number): number {
  return Math.imul(hash ^ code, FNV_PRIME);
}

function fnv1a(text: string, seed: number): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) hash = fnv1aStep(hash, text.charCodeAt(i));
  return hash;
}

/** Murmur3 finaliser: FNV's low bits are weak, and both the bucket and the sign come from them. */
function mix(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Distinct seeds keep the families in separate hash spaces ("ing" the word vs "ing" the trigram).
const WORD_SEED = fnv1a('w', FNV_OFFSET);
const BIGRAM_SEED = fnv1a('b', FNV_OFFSET);
const CHAR_SEED = fnv1a('c', FNV_OFFSET);
const DURATION_SEED = fnv1a('d', FNV_OFFSET);
const BIGRAM_JOINER = 0x20;
const WORD_BOUNDARY = 0x23; // '#'

export class LocalEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  private readonly kept: ReadonlySet<string>;
  private readonly durations: boolean;
  private readonly spans: boolean;
  private readonly weights: FeatureWeights;
  private readonly charNgramRange: readonly [number, number];
  private readonly counts = { word: new FeatureCounts(), bigram: new FeatureCounts(), char: new FeatureCounts() };

  constructor(options: LocalEmbedderOptions = {}) {
    const version = options.version ?? LATEST_LOCAL_VERSION;
    this.dimension = options.dimension ?? DEFAULT_DIMENSION;
    this.kept = version >= 2 ? QUESTION_WORDS : NOTHING_KEPT;
    this.durations = version >= 3;
    this.spans = version >= 4;
    this.weights = { ...DEFAULT_WEIGHTS, ...options.weights };
    this.charNgramRange = options.charNgramRange ?? DEFAULT_CHAR_NGRAM_RANGE;
    // Non-default feature settings change the vectors, so they must change the id too.
    const isDefault = !options.weights && !options.charNgramRange;
    this.id = isDefault
      ? `local:hash-v${version}-${this.dimension}`
      : `local:hash-v${version}-${this.dimension}-w${this.weights.word}-b${this.weights.bigram}-c${this.weights.char}` +
        `-n${this.charNgramRange[0]}${this.charNgramRange[1]}`;
  }

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.embedOne(text));
  }

  embedOne(text: string): number[] {
    const words = contentTokens(text, this.kept);
    const { word: wordCounts, bigram: bigramCounts, char: charCounts } = this.counts;
    const [minN, maxN] = this.charNgramRange;

    for (let w = 0; w < words.length; w++) {
      const word = words[w]!;
      const wordHash = fnv1a(word, WORD_SEED);
      wordCounts.add(mix(wordHash));
      if (w > 0) {
        // Stopwords are already removed, so "status of my refund" yields "status refund".
        const previous = words[w - 1]!;
        const bigramHash = fnv1a(word, fnv1aStep(fnv1a(previous, BIGRAM_SEED), BIGRAM_JOINER));
        bigramCounts.add(mix(bigramHash));
      }
      addCharNgrams(word, minN, maxN, charCounts);
    }

    // Word features of their own: "9 day" is neither the word "day" nor a bigram of content words.
    if (this.durations) for (const duration of durationFeatures(text)) wordCounts.add(mix(fnv1a(duration, DURATION_SEED)));
    if (this.spans) for (const span of durationSpans(text)) wordCounts.add(mix(fnv1a(span, DURATION_SEED)));

    const vector = new Float64Array(this.dimension);
    this.addFamily(vector, wordCounts, this.weights.word);
    this.addFamily(vector, bigramCounts, this.weights.bigram);
    this.addFamily(vector, charCounts, this.weights.char);
    wordCounts.clear();
    bigramCounts.clear();
    charCounts.clear();
    return normalise(vector);
  }

  private addFamily(vector: Float64Array, counts: FeatureCounts, familyWeight: number): void {
    if (counts.size === 0 || familyWeight === 0) return;
    let squaredNorm = 0;
    for (let i = 0; i < counts.size; i++) {
      const weight = sublinear(counts.countAt(i));
      squaredNorm += weight * weight;
    }
    // Normalising before the collision-prone projection keeps each family's share exact in expectation.
    const scale = familyWeight / Math.sqrt(squaredNorm);
    for (let i = 0; i < counts.size; i++) {
      const hash = counts.keyAt(i);
      const sign = hash & 0x80000000 ? -1 : 1;
      vector[hash % this.dimension]! += sign * scale * sublinear(counts.countAt(i));
    }
  }
}

/** 1 + ln tf; most features occur once. */
function sublinear(count: number): number {
  return count === 1 ? 1 : 1 + Math.log(count);
}

/**
 * Feature hash → count for the text being embedded, kept by the embedder and cleared after each
 * text: a Map per family and text was a third of the embedding time, and embedding most of an
 * import's. Open addressing on the (already mixed) hash; visited in insertion order, as a Map's
 * entries are, so the vector's sums are added in the same order.
 */
class FeatureCounts {
  private keys = new Uint32Array(1024);
  private counts = new Uint32Array(1024);
  /** The occupied slots in insertion order. */
  private order = new Uint32Array(512);
  size = 0;

  add(key: number): void {
    const mask = this.keys.length - 1;
    for (let slot = key & mask; ; slot = (slot + 1) & mask) {
      const count = this.counts[slot]!;
      if (count === 0) {
        this.keys[slot] = key;
        this.counts[slot] = 1;
        this.order[this.size++] = slot;
        if (this.size === this.order.length) this.grow();
        return;
      }
      if (this.keys[slot] === key) {
        this.counts[slot] = count + 1;
        return;
      }
    }
  }

  /** The i-th feature added since the last clear. */
  keyAt(i: number): number {
    return this.keys[this.order[i]!]!;
  }

  countAt(i: number): number {
    return this.counts[this.order[i]!]!;
  }

  clear(): void {
    for (let i = 0; i < this.size; i++) this.counts[this.order[i]!] = 0;
    this.size = 0;
  }

  /** Doubles the table at half full, keeping the insertion order. */
  private grow(): void {
    const entries = Array.from({ length: this.size }, (_, i) => [this.keyAt(i), this.countAt(i)] as const);
    this.keys = new Uint32Array(this.keys.length * 2);
    this.counts = new Uint32Array(this.counts.length * 2);
    this.order = new Uint32Array(this.order.length * 2);
    this.size = 0;
    const mask = this.keys.length - 1;
    for (const [key, count] of entries) {
      let slot = key & mask;
      while (this.counts[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = key;
      this.counts[slot] = count;
      this.order[this.size++] = slot;
    }
  }
}

/** Adds every n-gram of `#word#` with minN ≤ n ≤ maxN, hashing incrementally from each start. */
function addCharNgrams(word: string, minN: number, maxN: number, counts: FeatureCounts): void {
  const length = word.length + 2;
  const codeAt = (i: number): number => (i === 0 || i === length - 1 ? WORD_BOUNDARY : word.charCodeAt(i - 1));
  for (let start = 0; start + minN <= length; start++) {
    let hash = CHAR_SEED;
    for (let n = 1; n <= maxN && start + n <= length; n++) {
      hash = fnv1aStep(hash, codeAt(start + n - 1));
      if (n >= minN) counts.add(mix(hash));
    }
  }
}

function normalise(vector: Float64Array): number[] {
  let squaredNorm = 0;
  for (let i = 0; i < vector.length; i++) squaredNorm += vector[i]! * vector[i]!;
  const out = new Array<number>(vector.length);
  // An empty text (all stopwords) stays the zero vector: similarity 0 to everything is the honest answer.
  const scale = squaredNorm > 0 ? 1 / Math.sqrt(squaredNorm) : 0;
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * scale;
  return out;
}
