import { describe, expect, it } from 'vitest';
import { embeddingBlocks } from '../../lib/blocks/embedding/index.ts';
import { judgeBlocks } from '../../lib/blocks/judges/index.ts';
import { blockTypes, findBlockDefinition, registerBlock } from '../../lib/blocks/registry.ts';
import { similarityBlocks } from '../../lib/blocks/similarity/index.ts';
import { syntaxBlocks } from '../../lib/blocks/syntax/index.ts';
import { utilityBlocks } from '../../lib/blocks/utilities/index.ts';

describe('block registry', () => {
  it("knows every block type each folder lists, once, under DGT's names", () => {
    const listed = [utilityBlocks, judgeBlocks, syntaxBlocks, similarityBlocks, embeddingBlocks].flat();
    expect(new Set(listed.map((definition) => definition.type)).size).toBe(listed.length);
    for (const definition of listed) expect(findBlockDefinition(definition.type)).toBe(definition);
    expect(blockTypes()).toEqual([...listed.map((definition) => definition.type)].sort());
    expect(blockTypes()).toEqual(expect.arrayContaining(['rouge_scorer', 'dedup/exact', 'dedup/minhash', 'validators/json', 'noop']));
  });

  it('adds a block type once; a second registration of a type is an error', () => {
    const definition = { type: 'test/registry-once', summary: 'a test block', fields: {}, create: () => ({ kind: 'transform' as const, run: () => ({}) }) };
    registerBlock(definition);
    expect(findBlockDefinition('test/registry-once')).toBe(definition);
    expect(() => registerBlock(definition)).toThrow(/block type `test\/registry-once` is already registered/);
    expect(() => registerBlock({ ...definition, type: 'noop' })).toThrow(/`noop` is already registered/);
  });
});
