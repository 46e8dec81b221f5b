/** Slots a table starts with: a power of two. */
const initialSlots = 64;

/**
 * Values by integer key (input sequences), for the few entries a run keeps while its inputs are in flight: open
 * addressing with linear probing over a `Float64Array` of keys beside a list of values, a deleted entry's followers
 * shifted back (no tombstones), the slots doubled when half are used. An entry in and out per input costs a few array
 * reads and writes. What it replaces cost more: an object with integer keys, added and deleted, goes to V8's dictionary
 * elements (about 230 ns a pair), and a long-lived `Map` keeps a chain of the tables it outgrew, which a full GC
 * promotes with everything they hold (see the README's Architecture section).
 *
 * ## Example
 * ```ts
 * const open = new SequenceTable<string>();
 * open.set(41, 'a');
 * open.set(42, 'b');
 * open.get(41); // 'a'
 * open.delete(41); // true
 * open.size; // 1
 * open.keys(); // [42]
 * ```
 */
export class SequenceTable<V> {
  /** Each slot's key, NaN when empty. */
  #keys = new Float64Array(initialSlots).fill(Number.NaN);
  #values: (V | undefined)[] = new Array<V | undefined>(initialSlots).fill(undefined);
  #size = 0;

  /** Number of entries. */
  get size(): number {
    return this.#size;
  }

  /** The value of `key`, or undefined. */
  get(key: number): V | undefined {
    const slot = this.#slotOf(key);
    return this.#keys[slot] === key ? this.#values[slot] : undefined;
  }

  /** Whether `key` has a value. */
  has(key: number): boolean {
    return this.#keys[this.#slotOf(key)] === key;
  }

  /**
   * Sets the value of `key` (an integer: a sequence, or -1), replacing any.
   * @throws {RangeError} for a key that is not an integer (NaN marks an empty slot)
   */
  set(key: number, value: V): void {
    if (!Number.isInteger(key)) throw new RangeError(`a sequence table's key is an integer, not ${key}`);
    let slot = this.#slotOf(key);
    if (this.#keys[slot] !== key) {
      if ((this.#size + 1) * 2 > this.#keys.length) {
        this.#grow();
        slot = this.#slotOf(key);
      }
      this.#keys[slot] = key;
      this.#size += 1;
    }
    this.#values[slot] = value;
  }

  /** Removes `key`; says whether it was there. */
  delete(key: number): boolean {
    const keys = this.#keys;
    const values = this.#values;
    const mask = keys.length - 1;
    let hole = this.#slotOf(key);
    if (keys[hole] !== key) return false;
    // Entries after the hole, up to an empty slot, move back into it when their home is not between the two.
    for (let next = (hole + 1) & mask; keys[next] === keys[next]; next = (next + 1) & mask) {
      const home = keys[next]! & mask;
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      keys[hole] = keys[next]!;
      values[hole] = values[next];
      hole = next;
    }
    keys[hole] = Number.NaN;
    values[hole] = undefined;
    this.#size -= 1;
    return true;
  }

  /** The keys, in no particular order (a new list). */
  keys(): number[] {
    const keys: number[] = [];
    for (const key of this.#keys) if (key === key) keys.push(key);
    return keys;
  }

  /** The slot holding `key`, or the empty slot where it would go. Consecutive keys take consecutive slots. */
  #slotOf(key: number): number {
    const keys = this.#keys;
    const mask = keys.length - 1;
    let slot = key & mask;
    // An empty slot's key is NaN, which equals nothing (itself included).
    while (keys[slot] !== key && keys[slot] === keys[slot]) slot = (slot + 1) & mask;
    return slot;
  }

  /** Doubles the slots and puts every entry back. */
  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    this.#keys = new Float64Array(keys.length * 2).fill(Number.NaN);
    this.#values = new Array<V | undefined>(keys.length * 2).fill(undefined);
    for (let slot = 0; slot < keys.length; slot += 1) {
      const key = keys[slot]!;
      if (key !== key) continue;
      const to = this.#slotOf(key);
      this.#keys[to] = key;
      this.#values[to] = values[slot];
    }
  }
}
