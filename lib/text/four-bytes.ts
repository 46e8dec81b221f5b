/** Whether this machine stores a number's low byte first: then four bytes are read as one number in place. */
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Buffers up to this size keep their view (most calls read one scratch buffer); a larger one gets a view of its own. */
const keptMaxBytes = 64 * 1024;
let kept: ArrayBufferLike | undefined;
let keptView: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/**
 * `bytes` read four at a time, in place: a view of their whole buffer as 32-bit numbers, low byte first, where
 * `bytes[4i .. 4i + 3]` is the number at `(bytes.byteOffset >>> 2) + i`. Undefined on a big-endian machine or when
 * the bytes do not start at a multiple of 4 (read them one by one then). The view of the last small buffer asked for
 * is kept, and made again once that buffer was resized.
 *
 * ## Example
 * ```ts
 * const bytes = new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]);
 * fourBytesAt(bytes)?.[1]; // 2
 * fourBytesAt(bytes.subarray(1)); // undefined
 * ```
 */
export function fourBytesAt(bytes: Uint8Array): Uint32Array<ArrayBufferLike> | undefined {
  if (!littleEndian || bytes.byteOffset % 4 !== 0) return undefined;
  if (bytes.buffer === kept && (bytes.byteOffset + bytes.length) >>> 2 <= keptView.length) return keptView;
  const view = new Uint32Array(bytes.buffer, 0, bytes.buffer.byteLength >>> 2);
  if (bytes.buffer.byteLength <= keptMaxBytes) {
    kept = bytes.buffer;
    keptView = view;
  }
  return view;
}
