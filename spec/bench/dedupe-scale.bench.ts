/**
 * Dedupe at scale: `dedup/minhash` (MinHashIndex) over a million synthetic texts, a fifth of them near-duplicates,
 * and the Rouge-L SimilarityIndex against a brute-force scan. Figures are ratios against baselines timed in the same
 * run (an exact-hash pass, a brute-force scan), so machine load skews them less than raw seconds. Run with
 * `npm run bench -- dedupe-scale`, or alone: `npx tsx spec/bench/dedupe-scale.bench.ts [texts]`.
 */
import { pathToFileURL } from 'node:url';
import { fnv1a64 } from '../../lib/text/fnv1a-64.ts';
import { HashSet64 } from '../../lib/text/hash-set-64.ts';
import { MinHashIndex } from '../../lib/text/minhash-index.ts';
import { rougeLTokens } from '../../lib/text/rouge-l.ts';
import { jaccard, shingleHashes } from '../../lib/text/shingle-hashes.ts';
import { SimilarityIndex } from '../../lib/text/similarity-index.ts';
import { tokenize } from '../../lib/text/tokenize.ts';
import { collectGarbage } from './common.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const functionWords =
  'the of and a to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will can more about into than them only other its some could these time two may first then do any like my now over such our man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(' ');
const syllables = 'ka lo mer tis an be dor fa gri hel in jo ku lem mo nar os pi quen ra sol tu ur ve wil xan yo zer bra cle dri fen glo hum ist lar mun nel or pra ril sta tor ul vin wex'.split(' ');

/** A Zipf sampler over `size` ranks (weight 1 / (rank + 2.7)), by binary search of the cumulative weights. */
function zipf(size: number, random: () => number): () => number {
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let rank = 0; rank < size; rank++) cumulative[rank] = total += 1 / (rank + 2.7);
  return () => {
    const target = random() * total;
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/** A corpus: texts in order, which are near-duplicates (the index of their source text, else -1). */
interface Corpus {
  readonly texts: string[];
  readonly sources: Int32Array;
}

/**
 * Texts of one to four sentences of 6 to 18 words: function words and a 30,000-word Zipf vocabulary of made-up words,
 * with capitals, commas and stops. `duplicateShare` of them are near-duplicates of an earlier original: one to three
 * word edits (replace, delete, insert), sometimes re-cased.
 */
function syntheticCorpus(count: number, duplicateShare: number, seed: number, sentences: readonly [number, number] = [1, 4]): Corpus {
  const random = seededRandom(seed);
  const vocabulary = Array.from({ length: 30_000 }, () => {
    const length = 2 + Math.floor(random() * 2.2);
    return Array.from({ length }, () => syllables[Math.floor(random() * syllables.length)]).join('');
  });
  const contentRank = zipf(vocabulary.length, random);
  const functionRank = zipf(functionWords.length, random);
  const word = (): string => (random() < 0.45 ? functionWords[functionRank()]! : vocabulary[contentRank()]!);
  const sentence = (): string => {
    const words = Array.from({ length: 6 + Math.floor(random() * 13) }, word);
    words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
    for (let i = 2; i < words.length - 2; i++) if (random() < 0.06) words[i] += ',';
    return `${words.join(' ')}${random() < 0.2 ? '?' : '.'}`;
  };
  const texts: string[] = [];
  const sources = new Int32Array(count).fill(-1);
  const originals: number[] = [];
  for (let i = 0; i < count; i++) {
    if (originals.length > 0 && random() < duplicateShare) {
      const source = originals[Math.floor(random() * originals.length)]!;
      const words = texts[source]!.split(' ');
      const edits = 1 + Math.floor(random() * 3);
      for (let edit = 0; edit < edits; edit++) {
        const at = Math.floor(random() * words.length);
        const kind = random();
        if (kind < 0.5) words[at] = word();
        else if (kind < 0.75 && words.length > 3) words.splice(at, 1);
        else words.splice(at, 0, word());
      }
      const text = words.join(' ');
      texts.push(random() < 0.1 ? text.toLowerCase() : text);
      sources[i] = source;
    } else {
      const length = sentences[0] + Math.floor(random() * (sentences[1] - sentences[0] + 1));
      texts.push(Array.from({ length }, sentence).join(' '));
      originals.push(i);
    }
  }
  return { texts, sources };
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

/** Wall and CPU seconds of `run` (CPU: this process, user + system; one thread does the work, so other load on the machine inflates only the wall time). */
function timed<R>(run: () => R): { result: R; wall: number; cpu: number } {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const result = run();
  const wall = seconds(start);
  const cpu = process.cpuUsage(cpuStart);
  return { result, wall, cpu: (cpu.user + cpu.system) / 1e6 };
}

const both = (time: { wall: number; cpu: number }): string => `${time.cpu.toFixed(1)} s CPU (${time.wall.toFixed(1)} s wall)`;

const percent = (part: number, whole: number): string => `${((100 * part) / Math.max(1, whole)).toFixed(2)}%`;
const megabytes = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Heap plus typed-array memory. */
function usedMemory(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** `dedup/exact`'s work: a 64-bit hash of each trimmed text in a HashSet64. The baseline of the MinHash timing. */
function exactPass(texts: readonly string[]): number {
  const seen = new HashSet64();
  const hash = new Uint32Array(2);
  let kept = 0;
  for (const text of texts) {
    fnv1a64(text.trim(), hash);
    if (seen.add(hash[0]!, hash[1]!)) kept++;
  }
  return kept;
}

/** MinHash over `count` texts: time against an exact-hash pass, memory, recall and false drops against exact Jaccard. */
function benchMinHash(count: number, threshold: number): string[] {
  const generation = performance.now();
  const { texts, sources } = syntheticCorpus(count, 0.2, 2025);
  const generated = seconds(generation);
  const words = texts.reduce((sum, text, i) => (i % 100 === 0 ? sum + text.split(' ').length : sum), 0) / Math.ceil(count / 100);

  const exact = timed(() => exactPass(texts));

  const keptText = new Int32Array(count);
  const matched = new Int32Array(count).fill(-1);
  const before = usedMemory();
  const index = new MinHashIndex({ threshold });
  const minhash = timed(() => {
    for (let i = 0; i < count; i++) {
      if (index.admit(texts[i]!) === undefined) keptText[index.size - 1] = i;
      else matched[i] = keptText[index.lastMatch]!;
    }
  });
  const memory = usedMemory() - before;

  // Recall: near-duplicates whose exact shingle Jaccard to their source reaches the threshold, and were dropped.
  let eligible = 0;
  let caught = 0;
  let nearDuplicates = 0;
  // False drops: originals dropped, checked against the text that matched them.
  let originals = 0;
  let droppedOriginals = 0;
  let droppedWithoutTrueMatch = 0;
  for (let i = 0; i < count; i++) {
    const shingles = (text: string) => shingleHashes(text, index.shingleSize);
    if (sources[i]! >= 0) {
      nearDuplicates++;
      if (jaccard(shingles(texts[i]!), shingles(texts[sources[i]!]!)) >= threshold) {
        eligible++;
        if (matched[i]! >= 0) caught++;
      }
    } else {
      originals++;
      if (matched[i]! >= 0) {
        droppedOriginals++;
        if (jaccard(shingles(texts[i]!), shingles(texts[matched[i]!]!)) < threshold) droppedWithoutTrueMatch++;
      }
    }
  }
  return [
    `minhash: ${count.toLocaleString('en')} texts (${words.toFixed(1)} words on average, ${percent(nearDuplicates, count)} near-duplicates of 1-3 word edits; generated in ${generated.toFixed(1)} s), ` +
      `threshold ${threshold}, ${index.permutations} permutations, ${index.bands} bands x ${index.rows} rows, ${index.shingleSize}-word shingles`,
    `  time: ${both(minhash)}, ${((minhash.cpu * 1e6) / count).toFixed(2)} µs CPU/text = ${(minhash.cpu / exact.cpu).toFixed(1)}x the CPU time of an exact-hash pass (${both(exact)})`,
    `  kept ${index.size.toLocaleString('en')}; state ${megabytes(memory)} (${(memory / index.size).toFixed(0)} bytes per kept text, heap + typed arrays); ` +
      `process peak RSS so far ${megabytes(process.resourceUsage().maxRSS * 1024)}, the ${count.toLocaleString('en')} texts included`,
    `  recall: ${caught}/${eligible} = ${percent(caught, eligible)} of near-duplicates with exact shingle Jaccard >= ${threshold} to their source dropped ` +
      `(${percent(eligible, nearDuplicates)} of near-duplicates reach it)`,
    `  false drops: ${droppedOriginals}/${originals} = ${percent(droppedOriginals, originals)} of originals dropped; ` +
      `${droppedWithoutTrueMatch} of them below ${threshold} exact Jaccard to the text that matched`,
  ];
}

/** MinHash against the exact decisions of a brute-force Jaccard scan (each text against every kept text), on a sample. */
function benchMinHashSample(count: number, threshold: number): string[] {
  const { texts } = syntheticCorpus(count, 0.2, 7);
  const shingleSize = 3;
  const minhash = timed(() => {
    const index = new MinHashIndex({ threshold, shingleSize });
    return texts.map((text) => index.admit(text) === undefined);
  });
  const brute = timed(() => {
    const kept: Uint32Array[] = [];
    return texts.map((text) => {
      const shingles = shingleHashes(text, shingleSize);
      if (kept.some((other) => jaccard(shingles, other) >= threshold)) return false;
      kept.push(shingles);
      return true;
    });
  });
  const exact = brute.result;
  const duplicates = exact.filter((keep) => !keep).length;
  const caught = exact.filter((keep, i) => !keep && !minhash.result[i]).length;
  const falseDrops = exact.filter((keep, i) => keep && !minhash.result[i]).length;
  return [
    `minhash vs a brute-force exact Jaccard scan, ${count.toLocaleString('en')} texts: ${duplicates} exact-Jaccard duplicates, ` +
      `minhash drops ${percent(caught, duplicates)} of them and ${falseDrops} others (${percent(falseDrops, count - duplicates)} of the kept); ` +
      `CPU time ${minhash.cpu.toFixed(2)} s vs ${brute.cpu.toFixed(1)} s brute force: minhash/brute force = ${(minhash.cpu / brute.cpu).toFixed(4)}`,
  ];
}

/** Rouge-L decisions by brute force: each text against every kept text (token ids, full LCS). */
function rougeBruteForce(texts: readonly string[], threshold: number): boolean[] {
  const ids = new Map<string, number>();
  const kept: Int32Array[] = [];
  return texts.map((text) => {
    const tokens = Int32Array.from(tokenize(text), (token) => ids.get(token) ?? ids.set(token, ids.size).size - 1);
    for (const other of kept) if (rougeLTokens(tokens, other) >= threshold) return false;
    kept.push(tokens);
    return true;
  });
}

function rougeIndexPass(texts: readonly string[], threshold: number): boolean[] {
  const index = new SimilarityIndex(threshold);
  return texts.map((text) => index.admit(text) === undefined);
}

/** SimilarityIndex vs brute force at `small` texts, and the index alone at `large`. */
function benchRougeL(small: number, large: number, threshold: number): string[] {
  const { texts } = syntheticCorpus(large, 0.2, 11, [1, 1]);
  const sample = texts.slice(0, small);
  rougeIndexPass(sample.slice(0, 2000), threshold); // warm-up
  const indexed = timed(() => rougeIndexPass(sample, threshold));
  const brute = timed(() => rougeBruteForce(sample, threshold));
  const same = brute.result.every((keep, i) => keep === indexed.result[i]);
  const all = timed(() => rougeIndexPass(texts, threshold));
  const perText = (cpu: number, count: number) => (cpu * 1e6) / count;
  const dropped = (keeps: boolean[]) => percent(keeps.filter((keep) => !keep).length, keeps.length);
  return [
    `rouge-l (SimilarityIndex), threshold ${threshold}, one sentence of 6-18 words per text, 20% near-duplicates:`,
    `  ${small.toLocaleString('en')} texts (${dropped(indexed.result)} dropped): index ${both(indexed)}, brute force ${both(brute)}: ` +
      `index/brute force = ${(indexed.cpu / brute.cpu).toFixed(4)}; same decisions: ${same ? 'yes' : 'NO'}`,
    `  ${large.toLocaleString('en')} texts (${dropped(all.result)} dropped): index ${both(all)}, ${perText(all.cpu, large).toFixed(1)} µs CPU/text = ` +
      `${(perText(all.cpu, large) / perText(indexed.cpu, small)).toFixed(1)}x its per-text cost at ${small.toLocaleString('en')}`,
  ];
}

/** Every figure of this benchmark, as printable lines. */
export async function benchDedupeScale(count = 1_000_000): Promise<string[]> {
  return [...benchMinHash(count, 0.8), ...benchMinHashSample(5_000, 0.8), ...benchRougeL(10_000, 100_000, 0.7)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const count = Number(process.argv[2] ?? 1_000_000);
  for (const line of await benchDedupeScale(count)) console.log(line);
}
