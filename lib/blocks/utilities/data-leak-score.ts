import { fixText, normalizeSentence, splitSentences } from './data-leak-text.ts';
import { englishStopWords } from './english-stop-words.ts';

/** The tunable weights of DGT's modified Rouge-L leak metric (its `RougeLmodScoreHandlerConfig`). */
export interface LeakScoreSettings {
  /** Weight of the penalty for matched words that are far apart in the candidate. @default 0.2 */
  readonly adjacencyPenaltyWeight: number;
  /** Weight of the penalty for gaps that differ between candidate and reference. @default 0.2 */
  readonly distanceConsistencyPenaltyWeight: number;
  /** Matched words (stop words count less) that score {@link scoreLeakBaseline}. @default 6 */
  readonly wordLeakCountBaseline: number;
  /** Score of a match of {@link wordLeakCountBaseline} words. @default 0.7 */
  readonly scoreLeakBaseline: number;
  /** Lowest weight of a matched stop word, in [0, 1]. @default 0.5 */
  readonly baseStopWordWeight: number;
  /** How much the other matches add to the best one when scores are combined. @default 1 */
  readonly alpha: number;
}

/** DGT's defaults. */
export const defaultLeakScoreSettings: LeakScoreSettings = {
  adjacencyPenaltyWeight: 0.2,
  distanceConsistencyPenaltyWeight: 0.2,
  wordLeakCountBaseline: 6,
  scoreLeakBaseline: 0.7,
  baseStopWordWeight: 0.5,
  alpha: 1,
};

const curvePower = 1.25;
const growthRate = 0.3;
/** Matched stop words further than this many words from their neighbour are dropped from a match. */
const allowedGap = 1;
const maskedReference = -1;
const maskedCandidate = -2;

interface PairMatch {
  readonly score: number;
  /** The reference sentence's matched word positions, one list per matched run: the match's identity. */
  readonly key: string;
}

/**
 * How much of the reference texts the candidate repeats, in [0, 1], as DGT's `validators/data_leak` measures it:
 * both sides are split into sentences; each candidate sentence is matched with each reference sentence by
 * repeated longest common subsequences of words (stop words weigh less, far-apart stop words are dropped, gaps
 * and scattered matches are penalized, word counts go through a curve that reaches `scoreLeakBaseline` at
 * `wordLeakCountBaseline` words); the best match of each candidate sentence is kept once per matched reference
 * span, and those scores combine into one (the best plus a share of the others, rounded to 4 digits).
 *
 * ## Example
 * ```ts
 * leakScore('The quick brown fox jumps over the lazy dog.', ['A quick brown fox jumps over the lazy dog.']); // 0.8225
 * leakScore('Completely different words here.', ['A quick brown fox.']); // 0
 * ```
 */
export function leakScore(candidate: string, references: readonly string[], settings: LeakScoreSettings = defaultLeakScoreSettings): number {
  const candidateSentences = new Set(sentencesOf(candidate));
  const referenceSentences = new Set(references.flatMap(sentencesOf));
  const best = new Map<string, PairMatch>();
  for (const sentence of candidateSentences) {
    let top: PairMatch | undefined;
    for (const reference of referenceSentences) {
      const match = scorePair(reference, sentence, settings);
      if (top === undefined || match.score > top.score) top = match;
    }
    // Two candidate sentences that repeat the same words of the same reference sentence count once.
    if (top !== undefined && top.score > (best.get(top.key)?.score ?? -1)) best.set(top.key, top);
  }
  return combine([...best.values()].map((match) => match.score), settings.alpha);
}

function sentencesOf(text: string): string[] {
  return splitSentences(fixText(text)).map(normalizeSentence);
}

function scorePair(reference: string, candidate: string, settings: LeakScoreSettings): PairMatch {
  const referenceWords = reference === '' ? [] : reference.split(' ');
  const candidateWords = candidate === '' ? [] : candidate.split(' ');
  const runs = matchRuns(referenceWords, candidateWords);
  const scores = runs.map(({ inReference, inCandidate }) => {
    const words = weightedCount(inCandidate, candidateWords, settings.baseStopWordWeight);
    const penalty =
      settings.adjacencyPenaltyWeight * (1 - adjacency(inCandidate)) +
      settings.distanceConsistencyPenaltyWeight * (1 - consistency(inReference, inCandidate));
    return Math.min(Math.max(curve(words, settings) - penalty, 0), 1);
  });
  const key = `${reference}\u0000${JSON.stringify(runs.map((run) => run.inReference))}`;
  return { score: combine(scores, settings.alpha), key };
}

interface Run {
  readonly inReference: number[];
  readonly inCandidate: number[];
}

/** Longest common subsequences, one after another, each over the words the earlier ones left unmatched. */
function matchRuns(referenceWords: readonly string[], candidateWords: readonly string[]): Run[] {
  const ids = new Map<string, number>();
  const idOf = (word: string) => ids.get(word) ?? (ids.set(word, ids.size), ids.size - 1);
  const reference = referenceWords.map(idOf);
  const candidate = candidateWords.map(idOf);
  const runs: Run[] = [];
  for (;;) {
    const run = longestCommon(reference, candidate);
    dropDistantStopWords(run, referenceWords, true);
    dropDistantStopWords(run, referenceWords, false);
    if (run.inCandidate.length === 0) return runs;
    runs.push(run);
    for (const index of run.inReference) reference[index] = maskedReference;
    for (const index of run.inCandidate) candidate[index] = maskedCandidate;
  }
}

/** One longest common subsequence: the table from the ends, then a walk from the starts. */
function longestCommon(reference: readonly number[], candidate: readonly number[]): Run {
  const m = reference.length;
  const n = candidate.length;
  const width = n + 1;
  const table = new Int32Array((m + 1) * width);
  for (let i = m - 1; i >= 0; i--) {
    for (let j = n - 1; j >= 0; j--) {
      table[i * width + j] =
        reference[i] === candidate[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
    }
  }
  const run: Run = { inReference: [], inCandidate: [] };
  let i = 0;
  let j = 0;
  while (i < m && j < n) {
    if (reference[i] === candidate[j]) {
      run.inReference.push(i++);
      run.inCandidate.push(j++);
    } else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) i++;
    else j++;
  }
  return run;
}

/** Drops a lone short stop word, and stop words at one end of the run that sit apart from the rest. */
function dropDistantStopWords(run: Run, referenceWords: readonly string[], fromEnd: boolean): void {
  const { inReference, inCandidate } = run;
  if (inReference.length === 1) {
    const word = referenceWords[inReference[0]!]!;
    if (englishStopWords.has(word) && word.length <= 3) {
      inReference.length = 0;
      inCandidate.length = 0;
      return;
    }
  }
  while (inCandidate.length > 1) {
    const [edge, neighbour] = fromEnd ? [inCandidate.length - 1, inCandidate.length - 2] : [0, 1];
    const candidateGap = Math.abs(inCandidate[edge]! - inCandidate[neighbour]!) - 1;
    const referenceGap = Math.abs(inReference[edge]! - inReference[neighbour]!) - 1;
    if ((candidateGap <= allowedGap && referenceGap <= allowedGap) || !englishStopWords.has(referenceWords[inReference[edge]!]!)) return;
    inReference.splice(edge, 1);
    inCandidate.splice(edge, 1);
  }
}

/** Matched words, a stop word counting between `base` and `2·base` (more when the match has fewer stop words). */
function weightedCount(positions: readonly number[], words: readonly string[], base: number): number {
  const stopWords = positions.filter((position) => englishStopWords.has(words[position]!)).length;
  const stopWordWeight = base + base * ((positions.length - stopWords) / positions.length);
  return stopWords * stopWordWeight + (positions.length - stopWords);
}

function curve(words: number, settings: LeakScoreSettings): number {
  if (words <= 0) return 0;
  const { wordLeakCountBaseline: baseline, scoreLeakBaseline: atBaseline } = settings;
  const score =
    words <= baseline ? atBaseline * (words / baseline) ** curvePower : 1 - (1 - atBaseline) * Math.exp(-growthRate * (words - baseline));
  return Math.min(1, Math.max(0, score));
}

/** 1 when the gaps between matched words are the same in both texts, less as they differ. */
function consistency(inReference: readonly number[], inCandidate: readonly number[]): number {
  if (inCandidate.length === 1) return 1;
  let total = 0;
  for (let k = 1; k < inCandidate.length; k++) {
    total += Math.abs(inReference[k]! - inReference[k - 1]! - (inCandidate[k]! - inCandidate[k - 1]!));
  }
  return 1 / (1 + total / (inCandidate.length - 1));
}

/** The mean of `1/gap` between consecutive matched words of the candidate: 1 for a contiguous run. */
function adjacency(inCandidate: readonly number[]): number {
  if (inCandidate.length <= 1) return 1;
  let total = 0;
  for (let k = 1; k < inCandidate.length; k++) total += 1 / (inCandidate[k]! - inCandidate[k - 1]!);
  return total / (inCandidate.length - 1);
}

/** The best score plus, for each other one, a share of what the best leaves below 1; rounded to 4 digits. */
function combine(scores: readonly number[], alpha: number): number {
  if (scores.length === 0) return 0;
  const best = Math.max(...scores);
  const others = [...scores];
  others.splice(others.indexOf(best), 1);
  const extra = others.reduce((sum, score) => sum + (1 - best) * (score / scores.length) * (1 - Math.exp(-alpha)), 0);
  return Math.min(Math.round((best + extra) * 1e4) / 1e4, 1);
}
