import { describe, expect, it } from 'vitest';
import { batchChunks } from '../../lib/model/batch-chunks.ts';

describe('batchChunks', () => {
  const text = (item: string) => item;
  it('keeps order and cuts at the request count', () => {
    expect(batchChunks(['a', 'b', 'c', 'd', 'e'], { maxRequests: 2, maxBytes: 1000 }, text)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });
  it('cuts before a line that would pass the byte limit (each line counts its newline), and sends an oversized line alone', () => {
    expect(batchChunks(['aaaa', 'bbbb', 'c', 'dddddddddddd'], { maxRequests: 10, maxBytes: 10 }, text)).toEqual([['aaaa', 'bbbb'], ['c'], ['dddddddddddd']]);
  });
  it('counts UTF-8 bytes, not characters', () => {
    expect(batchChunks(['éé', 'éé'], { maxRequests: 10, maxBytes: 9 }, text)).toEqual([['éé'], ['éé']]);
  });
  it('makes no batch of nothing', () => {
    expect(batchChunks([], { maxRequests: 1, maxBytes: 1 }, text)).toEqual([]);
  });
});
