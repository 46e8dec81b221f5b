import { createHash } from 'node:crypto';
import type { EmbeddingModel } from '../../model/embedding-model.ts';
import { countWords } from '../../text/count-words.ts';

/** Settings of the offline `simulated` embedding model. */
export interface SimulatedEmbeddingSettings {
  /** Shown in stats and errors. @default 'simulated' */
  readonly modelId?: string | undefined;
  /** Vector length. @default 64 */
  readonly dimensions?: number | undefined;
}

/**
 * An offline embedding model for `--simulated` runs: no endpoint, no key, the same vector for the same text on every
 * run. A text's vector hashes its lower-cased words and their character trigrams into `dimensions` signed buckets,
 * normalised to length 1, so texts sharing words are near each other (a dedupe by embedding still drops a repeat, and
 * tells apart texts with nothing in common). Usage counts a text's words as its tokens.
 *
 * ## Example
 * ```ts
 * const model = createSimulatedEmbedding({ dimensions: 8 });
 * const { vectors } = await model.doEmbed(['Which river?', 'Which river?'], { signal: AbortSignal.timeout(1000) });
 * // two equal Float32Array(8), each of length 1
 * ```
 */
export function createSimulatedEmbedding(settings: SimulatedEmbeddingSettings = {}): EmbeddingModel {
  const dimensions = settings.dimensions ?? 64;
  return {
    specificationVersion: 'v1',
    provider: 'simulated',
    modelId: settings.modelId ?? 'simulated',
    endpoint: 'simulated://offline',
    dimensions,
    doEmbed: async (texts) => ({
      vectors: texts.map((text) => vectorOf(text, dimensions)),
      usage: { promptTokens: texts.reduce((sum, text) => sum + countWords(text), 0) },
    }),
  };
}

/** The feature-hashed vector of a text's words and trigrams, of length 1 (all zeros for a text without a letter). */
function vectorOf(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const features = words.flatMap((word) => {
    const padded = ` ${word} `;
    return [`w:${word}`, ...Array.from({ length: Math.max(0, padded.length - 2) }, (_, index) => `t:${padded.slice(index, index + 3)}`)];
  });
  for (const feature of features) {
    const digest = createHash('sha1').update(feature).digest();
    const bucket = digest.readUInt32LE(0) % dimensions;
    vector[bucket] = (vector[bucket] ?? 0) + ((digest[4] ?? 0) & 1 ? 1 : -1);
  }
  const length = Math.hypot(...vector);
  return length > 0 ? vector.map((value) => value / length) : vector;
}
