import { dirname } from 'node:path';
import { builderTask } from './helpers/builder-task.ts';
import { lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { type BuilderDefinition, findBuilder, resolveBlocks } from '../lib/builder-registry.ts';
import { type BuilderSpec, loadBuilderSpec } from '../lib/config/builder-spec.ts';
import { accepted } from '../lib/outcome.ts';
import type { DataPoint, Outcome } from '../lib/record.ts';
import type { GenerationInput } from '../lib/run/task-inputs.ts';
import { configErrorFrom } from './config/temp-files.ts';
import { useTestServers } from './helpers/test-servers.ts';

const start = useTestServers();
const geography = findBuilder('public/examples/geography_qa', undefined) as Extract<BuilderDefinition, { kind: 'generation' }>;

const example: DataPoint = { task_name: 'geo', is_seed: true, question: 'Seed question?', answer: 'Seed answer.' };
const input = (attempt: number) => accepted<GenerationInput>(String(attempt), { task_name: 'geo', is_seed: false, examples: [example], seed: attempt });
const locate = (_name: string, index: number) => ({ file: '/b/qa.yaml', field: `blocks.${index}` });

/** The geography builder YAML with its generator on `baseURL` (sampling, so nothing is cached) and this `dedup` block. */
async function geographySpec(baseURL: string, dedup: Readonly<Record<string, unknown>>): Promise<BuilderSpec> {
  const base = await loadBuilderSpec(geography.yamlPath);
  const generator = { name: 'generator', type: 'openai', base_url: baseURL, model_id_or_path: 'test-model', temperature: 0.7 };
  const blocks = base.blocks.map((block) => (block.name === 'generator' ? generator : block.name === 'dedup' ? { name: 'dedup', type: 'rouge_scorer', ...dedup } : block));
  return { ...base, blocks };
}

describe('the geography builder made from its YAML', () => {
  /** Runs two inputs; the server answers two different questions with the same answer. */
  async function statusesWith(dedup: Readonly<Record<string, unknown>>): Promise<string[]> {
    const server = await start({ respond: (_request, index) => `Question: Which place is number ${index}?\nAnswer: The same place.` });
    const builder = geography.create(resolveBlocks(await geographySpec(server.baseURL, dedup), locate, undefined, { directory: dirname(geography.yamlPath) }), builderTask());
    const outcomes: Outcome<DataPoint>[] = await lastValueFrom(of(input(0), input(1)).pipe(builder, toArray()));
    return outcomes.map((outcome) => outcome.status);
  }

  test('its YAML maps the question to the dedup input, as DGT does', async () => {
    const spec = await loadBuilderSpec(geography.yamlPath);
    expect(spec.blocks.find((block) => block.name === 'dedup')?.['input_map']).toEqual({ question: 'input' });
  });

  test('dedups the record field that input_map maps to `input`', async () => {
    expect(await statusesWith({ filter: true, threshold: 1, input_map: { question: 'input' } })).toEqual(['accepted', 'accepted']);
    expect(await statusesWith({ filter: true, threshold: 1, input_map: { answer: 'input' } })).toEqual(['accepted', 'rejected']);
  });

  test('with filter off (DGT\'s default), a near-duplicate is kept and marked is_valid: false', async () => {
    expect(await statusesWith({ threshold: 1, input_map: { answer: 'input' } })).toEqual(['accepted', 'accepted']);
  });

  test('without an input_map, as in DGT, the block has no `input` to read: every record is rejected (input_missing)', async () => {
    expect(await statusesWith({ filter: true, threshold: 1 })).toEqual(['rejected', 'rejected']);
  });

  test('an input_map that maps to an input the block does not take is a ConfigError naming the field, when the blocks resolve', async () => {
    const server = await start();
    const spec = await geographySpec(server.baseURL, { input_map: { question: 'text' } });
    const error = configErrorFrom(() => resolveBlocks(spec, locate));
    expect(error).toMatchObject({ file: '/b/qa.yaml', field: 'blocks.1.input_map' });
    expect(error.message).toContain('maps to `text`, which block `dedup` does not take (its inputs: input, context)');
  });

  test('an LM block with input_map or output_map is refused: the builder decides what the model reads', async () => {
    const server = await start();
    const spec = await geographySpec(server.baseURL, {});
    for (const field of ['input_map', 'output_map']) {
      const blocks = spec.blocks.map((block) => (block.name === 'generator' ? { ...block, [field]: { question: 'input' } } : block));
      const error = configErrorFrom(() => resolveBlocks({ ...spec, blocks }, locate));
      expect(error).toMatchObject({ file: '/b/qa.yaml', field: `blocks.0.${field}` });
      expect(error.message).toMatch(/unknown field$/);
    }
  });
});

describe('ResolvedBlocks.engineFrom', () => {
  test("an LM config a task names gets the run's prices, as the builder's own blocks do; a non-object is a ConfigError at its field", async () => {
    const spec = await loadBuilderSpec(geography.yamlPath);
    const unused = (): never => {
      throw new Error('no cache here');
    };
    const blocks = resolveBlocks(spec, locate, { prices: { 'sim-model': { input: 1, output: 2 } }, openCache: unused }, { directory: dirname(geography.yamlPath) });
    const where = { file: '/t/task.yaml', field: 'tools.engines.sim.lm_config' };
    const engine = blocks.engineFrom({ type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'k', model_id_or_path: 'sim-model' }, where);
    expect(engine.hasPrice).toBe(true);
    expect(configErrorFrom(() => blocks.engineFrom('nope', where))).toMatchObject({ file: '/t/task.yaml', field: 'tools.engines.sim.lm_config' });
  });
});
