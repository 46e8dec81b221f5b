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

  test('an unknown top-level key and a block without type are errors naming the field', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'a.yaml': 'name: b\nblocks: []\nmax_workers: 2\n', 'b.yaml': 'name: b\nblocks:\n  - {name: gen}\n' });
    expect((await configErrorOf(loadBuilderSpec(join(dir, 'a.yaml')))).field).toBe('max_workers');
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

  test('merges override blocks into base blocks by name, shallowly', () => {
    const merged = mergeBuilderSpec(base, { blocks: [{ name: 'generator', type: 'openai', model_id_or_path: 'gpt-4o-mini' }] });
    expect(merged.blocks[0]).toEqual({ name: 'generator', type: 'openai', model_id_or_path: 'gpt-4o-mini', num_ctx: 4096, temperature: 0 });
    expect(merged.blocks[1]).toEqual(base.blocks[1]);
    expect(base.blocks[0]?.type).toBe('ollama');
  });

  test('a given postprocessors list replaces the base list', () => {
    expect(mergeBuilderSpec(base, { postprocessors: [] }).postprocessors).toEqual([]);
    expect(mergeBuilderSpec(base, {}).postprocessors).toEqual([{ name: 'dedup' }]);
  });

  test('an override naming a block the builder lacks is an error naming it', () => {
    const error = configErrorFrom(() => mergeBuilderSpec(base, { blocks: [{ name: 'judge', type: 'lm_judge' }] }, { file: '/c.yaml', field: 'databuilders.geo' }));
    expect(error.field).toBe('databuilders.geo.blocks.0.name');
    expect(error.message).toContain('builder `geo` has no block `judge` (its blocks: `generator`, `dedup`)');
  });
});
