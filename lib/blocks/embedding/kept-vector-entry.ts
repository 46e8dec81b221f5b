/**
 * The entry an embedding dedupe appends to a shared kept log for a kept record: the UTF-8 length of its id (2 bytes,
 * little-endian), the id, then its unit vector (float32, little-endian): 4 bytes a dimension plus the id.
 *
 * ## Example
 * ```ts
 * const entry = keptVectorEntry('3-a', Float32Array.of(0.6, 0.8)); // 2 + 3 + 8 bytes
 * readKeptVectorEntry(entry); // { id: '3-a', unit: Float32Array [0.6, 0.8] }
 * ```
 */
export function keptVectorEntry(id: string, unit: Float32Array): Uint8Array {
  const idBytes = new TextEncoder().encode(id);
  if (idBytes.length > 0xffff) throw new RangeError(`a record id of ${idBytes.length} bytes is too long for a kept-log entry (at most 65535)`);
  const entry = new Uint8Array(2 + idBytes.length + unit.length * 4);
  const view = new DataView(entry.buffer);
  view.setUint16(0, idBytes.length, true);
  entry.set(idBytes, 2);
  for (let index = 0; index < unit.length; index++) view.setFloat32(2 + idBytes.length + index * 4, unit[index]!, true);
  return entry;
}

/**
 * The id and unit vector of a kept-log entry (from {@link keptVectorEntry}).
 * @throws {TypeError} when the bytes are not an id and a whole number of float32 values
 */
export function readKeptVectorEntry(entry: Uint8Array): { readonly id: string; readonly unit: Float32Array } {
  const view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
  const idLength = view.getUint16(0, true);
  const start = 2 + idLength;
  if ((entry.byteLength - start) % 4 !== 0 || entry.byteLength <= start) throw new TypeError(`a kept-log entry of ${entry.byteLength} bytes is not a record id and a vector`);
  const unit = new Float32Array((entry.byteLength - start) / 4);
  for (let index = 0; index < unit.length; index++) unit[index] = view.getFloat32(start + index * 4, true);
  return { id: new TextDecoder().decode(entry.subarray(2, start)), unit };
}
