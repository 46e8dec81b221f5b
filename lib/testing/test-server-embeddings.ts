/**
 * The `/v1/embeddings` answers of the local OpenAI-compatible test server: deterministic hashed bag-of-words
 * vectors, so that texts sharing most of their words have a cosine near 1 and unrelated texts near 0, which makes
 * embedding dedupe testable without a model. Internal to `test-server.ts`, except {@link hashedEmbedding}.
 */
import { countWords } from '../text/count-words.ts';
import { testModelName } from './test-server-bodies.ts';

/** Vector length when the request sets no `dimensions`. */
export const testEmbeddingDimensions = 256;
const maxDimensions = 4096;

/** FNV-1a 32-bit hash of a word. */
function hashWord(word: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < word.length; index++) {
    hash ^= word.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The test server's embedding of `text`: each lower-cased word (letters and digits) adds ±1 to one of
 * `dimensions` buckets, by its hash, and the sum is scaled to length 1 (a text without words is the first unit
 * vector). Word order and punctuation do not count, so `What is X?` and `what is x` embed alike.
 *
 * ## Example
 * ```ts
 * const [a, b] = [hashedEmbedding('the cat sat on the mat', 64), hashedEmbedding('the cat sat on a mat', 64)];
 * a.reduce((sum, value, index) => sum + value * b[index]!, 0); // about 0.9
 * ```
 */
export function hashedEmbedding(text: string, dimensions = testEmbeddingDimensions): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const hash = hashWord(word);
    vector[hash % dimensions]! += hash & 0x80000000 ? -1 : 1;
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let index = 0; index < dimensions; index++) vector[index]! *= scale;
  return vector;
}

/** The texts of an embeddings request: a string or an array of strings. */
function inputsOf(input: unknown): readonly string[] {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.every((item) => typeof item === 'string')) return input as string[];
  throw new TypeError('`input` must be a string or an array of strings');
}

/**
 * Serialized answer to `POST /v1/embeddings`: one {@link hashedEmbedding} per input, as JSON numbers or, with
 * `encoding_format: 'base64'`, as base64 float32 bytes (what the `openai` SDK asks by default). `dimensions` in
 * the body sets the length (1 to 4096). Usage counts words.
 *
 * @throws {TypeError} when `input` is neither a string nor an array of strings (the server answers 500)
 */
export function embeddingsBody(body: any): string {
  const inputs = inputsOf(body?.input);
  const dimensions = Number.isInteger(body?.dimensions) && body.dimensions >= 1 && body.dimensions <= maxDimensions ? (body.dimensions as number) : testEmbeddingDimensions;
  const base64 = body?.encoding_format === 'base64';
  let words = 0;
  const data = inputs.map((text, index) => {
    words += countWords(text);
    const vector = hashedEmbedding(text, dimensions);
    const embedding = base64 ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  const model = typeof body?.model === 'string' ? body.model : testModelName;
  return JSON.stringify({ object: 'list', data, model, usage: { prompt_tokens: words, total_tokens: words } });
}
