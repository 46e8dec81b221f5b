/**
 * Embedding vectors as rxdgt keeps them: `Float32Array`s (4 bytes a dimension, as services compute them), read from
 * JSON number arrays or from base64 (OpenAI's `encoding_format: 'base64'`: little-endian float32 bytes).
 */

/** The vector as a `Float32Array` (the same one when it is one already). */
export function toFloat32Array(vector: Float32Array | readonly number[]): Float32Array {
  return vector instanceof Float32Array ? vector : Float32Array.from(vector);
}

/**
 * Decodes base64 little-endian float32 bytes; undefined when the byte count is not a multiple of 4.
 *
 * ## Example
 * ```ts
 * float32FromBase64(float32ToBase64(new Float32Array([0.5, -1]))); // Float32Array [0.5, -1]
 * ```
 */
export function float32FromBase64(text: string): Float32Array | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 4 !== 0) return undefined;
  // A copy: a Buffer's bytes may sit at an offset of the shared pool that is not a multiple of 4.
  const vector = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}

/** Encodes the vector's float32 bytes (little-endian on every platform Node runs on) as base64. */
export function float32ToBase64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}
