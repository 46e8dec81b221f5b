/**
 * A random UUID in the version 4 layout, drawn from `random`: a seeded run names its conversations and scenario
 * families the same way every time (DGT draws `uuid4()`).
 *
 * ## Example
 * ```ts
 * drawUuid(seededRandom(7)); // the same 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx' on every run
 * ```
 */
export function drawUuid(random: () => number): string {
  const digit = (index: number): number => (index === 12 ? 4 : index === 16 ? 8 + Math.floor(random() * 4) : Math.floor(random() * 16));
  const hex = Array.from({ length: 32 }, (_, index) => digit(index).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
