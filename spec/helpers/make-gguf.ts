import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A tiny but genuine language model for tests: a byte-bigram model packed as a llama GGUF v3 file (~2 MB),
 * computed from a text corpus, so llama.cpp runs real inference with no download (ecosystem.md §3).
 *
 * How it works: the tokenizer is GPT-2 byte-level BPE with no merges, so every byte is one token (plus
 * `<|endoftext|>`). The embedding is one-hot; the single transformer block has zero weights, so the residual
 * stream leaves the block unchanged; `output_norm` (1/sqrt(n_embd)) undoes RMS normalisation of the one-hot
 * vector, so the logits are row `t` of `output`, which holds log P(next byte | previous byte t).
 * End-of-text keeps only the smoothing mass: generation runs to `maxTokens` unless a grammar ends it.
 */

const vocabSize = 257; // 256 bytes + <|endoftext|>
const endOfText = 256;
const embeddingSize = 288; // vocab rounded up to a multiple of 32
const headCount = 4;
const feedForwardSize = 32;
const contextLength = 4096;
const alignment = 32;
/** Add-alpha smoothing: every logit is finite, so a grammar can always end the text. */
const smoothing = 0.01;

const fallbackCorpus = `Synthetic data generation starts from a few seed examples. A teacher model is asked for new
examples in the same form; each answer is parsed, validated and compared with the ones kept so far. Near
duplicates are dropped, and the rest are written to disk before they move on. The loop stops when enough
records exist, when the time is up, or when nothing new has come for a while. Every step is small, and each
one can be tested on its own with a model that runs on the machine itself.`;

/** The corpus: the GPL-3 text that Debian ships, or a built-in paragraph. */
export function defaultCorpus(): string {
  const gpl = '/usr/share/common-licenses/GPL-3';
  return existsSync(gpl) ? readFileSync(gpl, 'utf8') : fallbackCorpus;
}

/** GPT-2's byte-to-unicode table: printable bytes stand for themselves, the others for code points from 256 up. */
function byteTokens(): string[] {
  const printable = (byte: number): boolean => (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
  let next = 256;
  return Array.from({ length: 256 }, (_, byte) => String.fromCodePoint(printable(byte) ? byte : next++));
}

/** log P(next | previous) as `output` rows: value [next * embeddingSize + previous]. */
function bigramLogits(corpus: Buffer): Float32Array {
  const counts = new Float64Array(vocabSize * vocabSize);
  for (let index = 1; index < corpus.length; index++) counts[corpus[index - 1] * vocabSize + corpus[index]] += 1;
  // After <|endoftext|> (also the BOS): the unigram distribution.
  for (const byte of corpus) counts[endOfText * vocabSize + byte] += 1;
  const output = new Float32Array(vocabSize * embeddingSize);
  for (let previous = 0; previous < vocabSize; previous++) {
    let total = 0;
    for (let next = 0; next < vocabSize; next++) total += counts[previous * vocabSize + next] + smoothing;
    for (let next = 0; next < vocabSize; next++) {
      output[next * embeddingSize + previous] = Math.log((counts[previous * vocabSize + next] + smoothing) / total);
    }
  }
  return output;
}

type Value = { type: 'u32'; value: number } | { type: 'f32'; value: number } | { type: 'bool'; value: boolean } | { type: 'string'; value: string } | { type: 'strings'; value: string[] } | { type: 'i32s'; value: number[] };

/** Little-endian GGUF writer: strings are a u64 length and UTF-8 bytes. */
class Writer {
  private readonly chunks: Buffer[] = [];
  length = 0;
  private push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    this.push(buffer);
  }
  u64(value: number): void {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    this.push(buffer);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  raw(buffer: Buffer): void {
    this.push(buffer);
  }
  pad(): void {
    this.push(Buffer.alloc((alignment - (this.length % alignment)) % alignment));
  }
  value(entry: Value): void {
    // GGUF value types: UINT32 4, INT32 5, FLOAT32 6, BOOL 7, STRING 8, ARRAY 9.
    const scalar = (bytes: number, write: (buffer: Buffer) => void): void => {
      const buffer = Buffer.alloc(bytes);
      write(buffer);
      this.push(buffer);
    };
    if (entry.type === 'u32') {
      this.u32(4);
      this.u32(entry.value);
    } else if (entry.type === 'f32') {
      this.u32(6);
      scalar(4, (buffer) => buffer.writeFloatLE(entry.value));
    } else if (entry.type === 'bool') {
      this.u32(7);
      scalar(1, (buffer) => buffer.writeUInt8(entry.value ? 1 : 0));
    } else if (entry.type === 'string') {
      this.u32(8);
      this.string(entry.value);
    } else if (entry.type === 'strings') {
      this.u32(9);
      this.u32(8);
      this.u64(entry.value.length);
      for (const item of entry.value) this.string(item);
    } else {
      this.u32(9);
      this.u32(5);
      this.u64(entry.value.length);
      scalar(4 * entry.value.length, (buffer) => entry.value.forEach((item, index) => buffer.writeInt32LE(item, index * 4)));
    }
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The GGUF v3 bytes of the byte-bigram model of `corpus`; deterministic. */
export function makeByteBigramGguf(corpus: string = defaultCorpus()): Buffer {
  const headSize = embeddingSize / headCount;
  const metadata: [string, Value][] = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: 'rxdgt byte-bigram test model' }],
    ['general.alignment', { type: 'u32', value: alignment }],
    ['general.file_type', { type: 'u32', value: 0 }], // all F32
    ['llama.context_length', { type: 'u32', value: contextLength }],
    ['llama.embedding_length', { type: 'u32', value: embeddingSize }],
    ['llama.block_count', { type: 'u32', value: 1 }],
    ['llama.feed_forward_length', { type: 'u32', value: feedForwardSize }],
    ['llama.attention.head_count', { type: 'u32', value: headCount }],
    ['llama.attention.head_count_kv', { type: 'u32', value: headCount }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-6 }],
    ['llama.rope.dimension_count', { type: 'u32', value: headSize }],
    ['llama.vocab_size', { type: 'u32', value: vocabSize }],
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'gpt-2' }],
    ['tokenizer.ggml.tokens', { type: 'strings', value: [...byteTokens(), '<|endoftext|>'] }],
    // 1 normal, 3 control
    ['tokenizer.ggml.token_type', { type: 'i32s', value: [...Array<number>(256).fill(1), 3] }],
    ['tokenizer.ggml.merges', { type: 'strings', value: [] }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: endOfText }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: endOfText }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
  ];

  const embedding = new Float32Array(vocabSize * embeddingSize);
  for (let token = 0; token < vocabSize; token++) embedding[token * embeddingSize + token] = 1;
  const ones = new Float32Array(embeddingSize).fill(1);
  const zeros = (count: number): Float32Array => new Float32Array(count);
  // Dimensions as ggml's ne: the first is the contiguous one (a row).
  const tensors: [string, number[], Float32Array][] = [
    ['token_embd.weight', [embeddingSize, vocabSize], embedding],
    ['output_norm.weight', [embeddingSize], new Float32Array(embeddingSize).fill(1 / Math.sqrt(embeddingSize))],
    ['output.weight', [embeddingSize, vocabSize], bigramLogits(Buffer.from(corpus, 'utf8'))],
    ['blk.0.attn_norm.weight', [embeddingSize], ones],
    ['blk.0.attn_q.weight', [embeddingSize, embeddingSize], zeros(embeddingSize * embeddingSize)],
    ['blk.0.attn_k.weight', [embeddingSize, embeddingSize], zeros(embeddingSize * embeddingSize)],
    ['blk.0.attn_v.weight', [embeddingSize, embeddingSize], zeros(embeddingSize * embeddingSize)],
    ['blk.0.attn_output.weight', [embeddingSize, embeddingSize], zeros(embeddingSize * embeddingSize)],
    ['blk.0.ffn_norm.weight', [embeddingSize], ones],
    ['blk.0.ffn_gate.weight', [embeddingSize, feedForwardSize], zeros(embeddingSize * feedForwardSize)],
    ['blk.0.ffn_up.weight', [embeddingSize, feedForwardSize], zeros(embeddingSize * feedForwardSize)],
    ['blk.0.ffn_down.weight', [feedForwardSize, embeddingSize], zeros(embeddingSize * feedForwardSize)],
  ];

  const file = new Writer();
  file.raw(Buffer.from('GGUF', 'ascii'));
  file.u32(3);
  file.u64(tensors.length);
  file.u64(metadata.length);
  for (const [key, value] of metadata) {
    file.string(key);
    file.value(value);
  }
  let offset = 0;
  for (const [name, dims, data] of tensors) {
    file.string(name);
    file.u32(dims.length);
    for (const dim of dims) file.u64(dim);
    file.u32(0); // GGML_TYPE_F32
    file.u64(offset);
    offset += Math.ceil(data.byteLength / alignment) * alignment;
  }
  file.pad();
  for (const [, , data] of tensors) {
    file.raw(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    file.pad();
  }
  return file.concat();
}

/** Writes the byte-bigram GGUF into `dir` and returns its path. */
export function writeByteBigramGguf(dir: string, corpus?: string): string {
  const path = join(dir, 'byte-bigram.gguf');
  writeFileSync(path, makeByteBigramGguf(corpus));
  return path;
}
