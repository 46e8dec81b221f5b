import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type BuilderSpec, loadBuilderSpec, mergeBuilderSpec } from '../../lib/config/builder-spec.ts';
import { configErrorFrom, configErrorOf, useTempDir, writeFiles } from './temp-files.ts';

const geographyBuilder = `name: public/examples/geography_qa
blocks:
  - name: generator
    type: ollama
    model_id_or_path: granite4:3b
    temperature: 0.0
    max_tokens: 128
  - name: dedup
    type: rouge_scorer
    filter: true
    threshold: 1.0
    input_map:
      question: input
postprocessors:
  - name: dedup
metadata:
  version: 1.0
`;

describe('loadBuilderSpec', () => {
  const tempDir = useTempDir();

  test('reads blocks with their kwargs passed through', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'qa.yaml': geographyBuilder });
    const spec = await loadBuilderSpec(join(dir, 'qa.yaml'));
    expect(spec.name).toBe('public/examples/geography_qa');
    expect(spec.blocks[0]).toEqual({ name: 'generator', type: 'ollama', model_id_or_path: 'granite4:3b', temperature: 0, max_tokens: 128 });
    expect(spec.blocks[1]?.['input_map']).toEqual({ question: 'input' });
    expect(spec.postprocessors).toEqual([{ name: 'dedup' }]);
  });

  test('postprocessors default to an empty list', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'b.yaml': 'name: b\nblocks: []\n' });
    expect((await loadBuilderSpec(join(dir, 'b.yaml'))).postprocessors).toEqual([]);
  });

  test('a duplicate block name is named in the error', async () => {
    const dir = await tempDir();
    const file = join(dir, 'b.yaml');
    await writeFiles(dir, { 'b.yaml': 'name: b\nblocks:\n  - {name: gen, type: ollama}\n  - {name: gen, type: openai}\n' });
    const error = await configErrorOf(loadBuilderSpec(file));
    expect(error.message).toBe(`${file}: field \`blocks.1.name\`: duplicate block name \`gen\``);
  });

  test('DGT builder kwargs such as max_workers are accepted; an unknown top-level key and a block without type are errors naming the field', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      'a.yaml': 'name: b\nblocks: []\nbuilders: 2\n',
      'b.yaml': 'name: b\nblocks:\n  - {name: gen}\n',
      'c.yaml': 'name: b\nblocks: []\nmax_workers: 8\nitems_per_worker: 2\nmax_stalled_attempts: 3\n',
    });
    expect(await loadBuilderSpec(join(dir, 'c.yaml'))).toMatchObject({ max_workers: 8, items_per_worker: 2, max_stalled_attempts: 3 });
    expect((await configErrorOf(loadBuilderSpec(join(dir, 'a.yaml')))).field).toBe('builders');
    const error = await configErrorOf(loadBuilderSpec(join(dir, 'b.yaml')));
    expect(error.field).toBe('blocks.0.type');
    expect(error.message).toContain('missing required field');
  });
});

describe('mergeBuilderSpec', () => {
  const base: BuilderSpec = {
    name: 'geo',
    blocks: [
      { name: 'generator', type: 'ollama', model_id_or_path: 'granite4:3b', num_ctx: 4096, temperature: 0 },
      { name: 'dedup', type: 'rouge_scorer', threshold: 1 },
    ],
    postprocessors: [{ name: 'dedup' }],
  };

  test('merges override blocks into base blocks by name', () => {
    const merged = mergeBuilderSpec(base, { blocks: [{ name: 'generator', type: 'openai', model_id_or_path: 'gpt-4o-mini' }] });
    expect(merged.blocks[0]).toEqual({ name: 'generator', type: 'openai', model_id_or_path: 'gpt-4o-mini', num_ctx: 4096, temperature: 0 });
    expect(merged.blocks[1]).toEqual(base.blocks[1]);
    expect(base.blocks[0]?.type).toBe('ollama');
  });

  test('a given postprocessors list replaces the base list', () => {
    expect(mergeBuilderSpec(base, { postprocessors: [] }).postprocessors).toEqual([]);
    expect(mergeBuilderSpec(base, {}).postprocessors).toEqual([{ name: 'dedup' }]);
  });

  test('an override block the builder lacks is appended; without a type it is an error naming the field', () => {
    const merged = mergeBuilderSpec(base, { blocks: [{ name: 'judge', type: 'lm_judge', model_id_or_path: 'm' }] });
    expect(merged.blocks.map((block) => block.name)).toEqual(['generator', 'dedup', 'judge']);
    expect(merged.blocks[2]).toEqual({ name: 'judge', type: 'lm_judge', model_id_or_path: 'm' });
    const error = configErrorFrom(() => mergeBuilderSpec(base, { blocks: [{ name: 'judge', temperature: 1 }] }, { file: '/c.yaml', field: 'databuilders.geo' }));
    expect(error.field).toBe('databuilders.geo.blocks.0.type');
    expect(error.message).toContain('builder `geo` has no block `judge` (its blocks: `generator`, `dedup`)');
  });

  test('a null in an override block clears that key', () => {
    const merged = mergeBuilderSpec(base, { blocks: [{ name: 'generator', num_ctx: null }] });
    expect(merged.blocks[0]).toEqual({ name: 'generator', type: 'ollama', model_id_or_path: 'granite4:3b', temperature: 0 });
  });

  test('builder-level keys override: new keys are added, mappings merge, other values replace', () => {
    const withMetadata = { ...base, metadata: { owner: 'a', version: 1 } };
    const merged = mergeBuilderSpec(withMetadata, { max_workers: 8, metadata: { version: 2 } });
    expect(merged).toMatchObject({ max_workers: 8, metadata: { owner: 'a', version: 2 } });
    expect(merged.blocks).toEqual(base.blocks);
    expect(withMetadata.metadata).toEqual({ owner: 'a', version: 1 });
  });
});
