/**
 * Embedding dedupe: the `dedup/embedding` block over 100,000 synthetic questions, embedded by the test server in a
 * child process (`/v1/embeddings`: hashed bag-of-words vectors, no latency), against exact dedupe (the `dedupe`
 * operator, `method: 'exact'`: one 64-bit hash per kept text, no model) as the baseline, in one run.
 *
 * The questions are 2,000 distinct ones (templates over a shared vocabulary), each repeated with changes that keep
 * its words (letter case, punctuation, spacing) or add one (`please`): near-duplicates that exact dedupe keeps and
 * an embedding drops. Three passes of the block: cold (every text embedded, written to `lm_cache`), then a rerun
 * with the SQLite `lm_cache` warm in a fresh context (no request), then a pass at 384 dimensions (the size of small
 * real models) to show what the exhaustive search costs as vectors widen. Standalone: `npx tsx spec/bench/embedding-dedupe.bench.ts`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { from, lastValueFrom, toArray } from 'rxjs';
import type { BlockContext } from '../../lib/blocks/block-definition.ts';
import { blockOperator } from '../../lib/blocks/block-operator.ts';
import { dedupEmbeddingBlock } from '../../lib/blocks/embedding/dedup-embedding.ts';
import type { BlockDefinition } from '../../lib/blocks/block-definition.ts';
import { embedderFactory } from '../../lib/model/embedding-block.ts';
import { openSqliteCache } from '../../lib/model/sqlite-cache.ts';
import type { ResponseCache } from '../../lib/model/response-cache.ts';
import { accepted } from '../../lib/outcome.ts';
import type { DataPoint, Outcome } from '../../lib/record.ts';
import type { TestServerCounters } from '../../lib/testing/test-server.ts';
import { dedupe } from '../../operators/dedupe.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { startChildServer } from './child-server.ts';
import { cpuMsSince, num, scratchDir } from './common.ts';

const count = Number(process.env['BENCH_EMBEDDING_RECORDS'] ?? 100_000);
const distinct = 2_000;
const threshold = 0.95;
const batchSize = 256;
const callLimit = 8;

interface ServerStats {
  readonly cpuMs: number;
  readonly counters: TestServerCounters;
}

const subjects =
  'glaciers volcanoes tides vaccines inflation gravity photosynthesis recursion democracy compost satellites bees coral reefs fusion telescopes batteries rainforests deserts antibiotics jazz chess yeast lasers magnets bridges'.split(' ');
const qualities = 'ancient modern urban rural tropical arctic digital renewable coastal alpine domestic wild'.split(' ');
const audiences = 'students farmers nurses engineers children pilots teachers sailors chefs artists'.split(' ');
const places = 'Europe Asia Africa villages hospitals factories schools harbours deserts cities'.split(' ');
const templates: ((pick: <V>(values: readonly V[]) => V) => string)[] = [
  (pick) => `How do ${pick(qualities)} ${pick(subjects)} change life for ${pick(audiences)} in ${pick(places)}?`,
  (pick) => `Why should ${pick(audiences)} in ${pick(places)} care about ${pick(qualities)} ${pick(subjects)}?`,
  (pick) => `Explain the link between ${pick(subjects)} and ${pick(subjects)} to ${pick(audiences)} living in ${pick(places)}.`,
  (pick) => `List three surprising facts about ${pick(qualities)} ${pick(subjects)} that ${pick(audiences)} rarely hear.`,
  (pick) => `What would ${pick(audiences)} in ${pick(places)} lose without ${pick(qualities)} ${pick(subjects)}?`,
];

/** `distinct` questions, then `count` texts drawn from them, each changed in a way that keeps (or adds one of) its words. */
function syntheticTexts(): string[] {
  const next = seededRandom(7);
  const pick = <V>(values: readonly V[]): V => values[Math.floor(next() * values.length)]!;
  const pool = new Set<string>();
  while (pool.size < distinct) pool.add(pick(templates)(pick));
  const questions = [...pool];
  const variants: ((text: string) => string)[] = [
    (text) => text,
    (text) => text.toLowerCase(),
    (text) => text.replace(/[?.]$/, ''),
    (text) => `  ${text.replace(/ /g, '  ')} `,
    (text) => text.toUpperCase(),
    (text) => `${text.replace(/[?.]$/, '')}, please?`,
  ];
  return Array.from({ length: count }, () => pick(variants)(pick(questions)));
}

const outcomesOf = (texts: readonly string[]): Outcome<DataPoint>[] => texts.map((text, index) => accepted(String(index), { task_name: 'bench', is_seed: false, input: text }));

interface PassFigures {
  readonly kept: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly requests: number;
  /** Texts the server embedded, and texts the engine's caches (memory, lm_cache) answered. */
  readonly embedded: number;
  readonly cacheHits: number;
}

/** One pass of the block in a fresh context (new engine, empty memory cache); `lm_cache` reopened. */
async function blockPass(texts: readonly string[], baseURL: string, cachePath: string, dimensions: number, server: { ask(command: 'stats' | 'reset'): Promise<ServerStats> }): Promise<PassFigures> {
  const opened: ResponseCache[] = [];
  const embedder = embedderFactory({ openCache: (path) => (opened.push(openSqliteCache(path)), opened.at(-1)!) });
  const context: BlockContext = {
    file: 'bench.yaml',
    field: 'blocks.0',
    directory: '.',
    builderKind: 'transformation',
    engine: () => {
      throw new Error('no LM engine');
    },
    embedder: (config, field) => embedder(config, { file: 'bench.yaml', field: `blocks.0.${field}`, name: 'dedup' }),
  };
  const embeddingConfig = { type: 'vllm-remote', model_id_or_path: 'test-model', base_url: baseURL, batch_size: batchSize, call_limit: callLimit, dimensions, lm_cache: cachePath };
  const operator = blockOperator(dedupEmbeddingBlock as unknown as BlockDefinition, { name: 'dedup', type: 'dedup/embedding', threshold, embedding_config: embeddingConfig }, context);
  const outcomes = outcomesOf(texts);
  await server.ask('reset');
  const cpu = process.cpuUsage();
  const start = performance.now();
  const results = await lastValueFrom(from(outcomes).pipe(operator, toArray()));
  const wallMs = performance.now() - start;
  const cpuMs = cpuMsSince(cpu);
  const { counters } = await server.ask('stats');
  // The factory gives the block's engine back for the same config.
  const { stats } = embedder(embeddingConfig, { file: 'bench.yaml', field: 'blocks.0.embedding_config', name: 'dedup' });
  await embedder.close();
  for (const cache of opened) cache.close();
  return {
    kept: results.filter((outcome) => outcome.status === 'accepted').length,
    wallMs,
    cpuMs,
    requests: counters.requests,
    embedded: stats.texts,
    cacheHits: stats.cacheHits,
  };
}

/** The baseline: exact dedupe of the same texts, no model. */
async function exactPass(texts: readonly string[]): Promise<{ readonly kept: number; readonly wallMs: number }> {
  const operator = dedupe<DataPoint>({ key: 'input', method: 'exact' });
  await lastValueFrom(from(outcomesOf(texts.slice(0, 1000))).pipe(operator, toArray())); // warm-up
  const outcomes = outcomesOf(texts);
  const start = performance.now();
  const results = await lastValueFrom(from(outcomes).pipe(operator, toArray()));
  return { kept: results.filter((outcome) => outcome.status === 'accepted').length, wallMs: performance.now() - start };
}

const perSecond = (records: number, ms: number): string => num((records * 1000) / ms);

/** Records/s, HTTP calls and kept records of `dedup/embedding` against exact dedupe. Returns printable lines. */
export async function benchEmbeddingDedupe(): Promise<string[]> {
  const texts = syntheticTexts();
  const lines = [
    `embedding dedupe: ${num(count)} texts drawn from ${num(distinct)} questions (case, punctuation, spacing or "please" changed), threshold ${threshold}, ` +
      `batch_size ${batchSize}, call_limit ${callLimit}; test server in a child process, no latency`,
  ];
  const server = await startChildServer<ServerStats>('test-server-process.ts', { LATENCY_MS: '0' });
  const scratch = await scratchDir('embedding-dedupe');
  try {
    const exact = await exactPass(texts);
    lines.push(`  exact dedupe (baseline): kept ${num(exact.kept)}, ${perSecond(count, exact.wallMs)} records/s`);
    const passes: [string, number, string][] = [
      ['cold, 64 dimensions', 64, 'cache-64.db'],
      ['rerun, lm_cache warm, 64 dimensions', 64, 'cache-64.db'],
      ['cold, 384 dimensions', 384, 'cache-384.db'],
    ];
    for (const [label, dimensions, file] of passes) {
      const figures = await blockPass(texts, server.baseURL, join(scratch.path, file), dimensions, server);
      lines.push(
        `  dedup/embedding, ${label}: kept ${num(figures.kept)}, ${perSecond(count, figures.wallMs)} records/s ` +
          `(${(exact.wallMs / figures.wallMs).toFixed(4)}x exact), ${num(figures.requests, 0)} embedding calls for ${num(figures.embedded, 0)} texts (${num(figures.cacheHits, 0)} from the caches), ` +
          `client CPU ${num(figures.cpuMs / 1000)} s over ${num(figures.wallMs / 1000)} s`,
      );
    }
  } finally {
    await server.close();
    await scratch.remove();
  }
  return lines;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await benchEmbeddingDedupe()) console.log(line);
}
