import { describe, expect, it } from 'vitest';
import { dataLeakBlock } from '../../../lib/blocks/utilities/data-leak.ts';
import { checkOf, configErrorOf, record, runBlock } from './utility-harness.ts';

// DGT's own cases for this validator: at threshold 0.55, the third candidate alone passes.
const copied = 'The brown fox jumps over the dog and runs into the dense forest';
const mixed = 'A smart little dog watched the fox runs into the forest';
const retold = 'A smart little dog watched the angry and confused fox, who then somehow runs off slowly into a dark and mysterious forest.';
const reordered = 'The small and fragile package arrived at the warehouse. The delivery truck was not on time.';
const foxSeed = 'The quick brown fox jumps over the smart little dog and runs into the dense forest without looking back.';
const truckSeed = 'The delivery truck was late. The small and fragile package was sent yesterday. It arrived at the warehouse this morning.';

describe('validators/data_leak', () => {
  it("judges each record against its own local_context, as DGT's cases expect", () => {
    const verdicts = [
      [copied, [foxSeed]],
      [mixed, [foxSeed]],
      [retold, [foxSeed]],
      [reordered, [truckSeed]],
      [reordered, [truckSeed, foxSeed]],
    ].map(([input, local_context]) => checkOf(dataLeakBlock, { threshold: 0.55 }, { input, local_context }));
    expect(verdicts.map((verdict) => verdict.valid)).toEqual([false, false, true, false, false]);
    expect(verdicts[2]).toEqual({ valid: true, metadata: { score: 0.5341 } });
    expect(verdicts[0]).toEqual({
      valid: false,
      code: 'data_leak',
      reason: 'the text repeats its reference texts: leak score 0.9043 reaches the threshold 0.55',
      metadata: { score: 0.9043, reason: 'the text repeats its reference texts: leak score 0.9043 reaches the threshold 0.55' },
    });
  });

  it("judges every record against the block's context, which takes the place of local_context", () => {
    const valid = [copied, mixed, retold, reordered].map((input) => checkOf(dataLeakBlock, { threshold: 0.55, context: [foxSeed, truckSeed] }, { input, local_context: ['unrelated words'] }).valid);
    expect(valid).toEqual([false, false, true, false]);
    expect(checkOf(dataLeakBlock, { threshold: 0.55, context: foxSeed }, { input: copied }).valid).toBe(false);
    expect(checkOf(dataLeakBlock, { threshold: 0.55 }, { input: copied, local_context: foxSeed }).valid).toBe(false);
  });

  it('is off above a threshold of 1 (the default) or with a null one, and says nothing then', () => {
    expect(checkOf(dataLeakBlock, {}, { input: copied, local_context: [foxSeed] })).toEqual({ valid: true });
    expect(checkOf(dataLeakBlock, { threshold: null }, { input: copied, local_context: [foxSeed] })).toEqual({ valid: true });
  });

  it('scores with the weights the block sets', () => {
    const lenient = checkOf(dataLeakBlock, { threshold: 0.55, word_leak_count_baseline: 20 }, { input: mixed, local_context: [foxSeed] });
    expect(lenient).toMatchObject({ valid: true });
  });

  it('fails a record without reference texts or without a text input', () => {
    expect(() => checkOf(dataLeakBlock, { threshold: 0.5 }, { input: copied })).toThrow('no reference texts: the record has no `local_context` and the block sets no `context`');
    expect(() => checkOf(dataLeakBlock, {}, { input: copied, local_context: [] })).toThrow('no reference texts');
    expect(() => checkOf(dataLeakBlock, { threshold: 0.5 }, { input: 3, local_context: [foxSeed] })).toThrow('`input` is a number, expected the text to check');
    expect(() => checkOf(dataLeakBlock, { threshold: 0.5 }, { input: copied, local_context: { text: foxSeed } })).toThrow('`local_context` is an object, expected a text or a list of texts');
    expect(() => checkOf(dataLeakBlock, { threshold: 0.5 }, { input: copied, local_context: [foxSeed, 2] })).toThrow('`local_context[1]` is a number, expected a text');
  });

  it('rejects a config with ill-typed, out-of-range or unknown fields', () => {
    expect(configErrorOf(dataLeakBlock, { threshold: 'high' }).field).toBe('blocks.0.threshold');
    expect(configErrorOf(dataLeakBlock, { adjacency_penalty_weight: 1.5 }).field).toBe('blocks.0.adjacency_penalty_weight');
    expect(configErrorOf(dataLeakBlock, { score_leak_baseline: -0.1 }).field).toBe('blocks.0.score_leak_baseline');
    expect(configErrorOf(dataLeakBlock, { word_leak_count_baseline: 0 }).field).toBe('blocks.0.word_leak_count_baseline');
    expect(configErrorOf(dataLeakBlock, { alpha: -1 }).field).toBe('blocks.0.alpha');
    expect(configErrorOf(dataLeakBlock, { context: [1] }).field).toMatch(/^blocks\.0\.context/);
    expect(configErrorOf(dataLeakBlock, { prompt: 'x' }).message).toContain('unknown field');
  });

  it('filters through input_map, and writes its score through output_map when not filtering', async () => {
    const records = [copied, retold].map((answer) => record({ answer, seeds: [foxSeed] }));
    const config = { threshold: 0.55, input_map: { answer: 'input', seeds: 'local_context' } };
    const [leaked, kept] = await runBlock(dataLeakBlock, { ...config, filter: true }, records);
    expect(leaked).toMatchObject({ status: 'rejected', issues: [{ code: 'data_leak', block: 'b' }] });
    expect(kept).toMatchObject({ status: 'accepted', record: records[1] });
    const [marked] = await runBlock(dataLeakBlock, { ...config, output_map: { 'metadata.score': 'leak_score' } }, records);
    expect(marked).toMatchObject({ status: 'accepted', record: { is_valid: false, leak_score: 0.9043 } });
  });
});
