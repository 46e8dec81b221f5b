import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadJointConfig } from '../../lib/config/joint-config.ts';
import { dgtExampleConfigs } from './dgt-example-configs.ts';
import { configErrorOf, useTempDir, writeFiles } from './temp-files.ts';

describe('loadJointConfig', () => {
  const tempDir = useTempDir();

  test('reads the three sections, env-expanded', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      'config.yaml': 'databuilders:\n  geo:\n    blocks:\n      - {name: generator, temperature: 0.7}\ntasks:\n  geo_task:\n    seed_datastore: {data_path: "${DGT_DATA_DIR}/x.jsonl"}\ntask_files:\n  - tasks/a/task.yaml\n',
    });
    const config = await loadJointConfig(join(dir, 'config.yaml'), {});
    expect(config.databuilders).toEqual({ geo: { blocks: [{ name: 'generator', temperature: 0.7 }] } });
    expect(config.tasks).toEqual({ geo_task: { seed_datastore: { data_path: 'data/x.jsonl' } } });
    expect(config.taskFiles).toEqual(['tasks/a/task.yaml']);
  });

  test('a builder YAML passed as joint config says so', async () => {
    const dir = await tempDir();
    const file = join(dir, 'qa.yaml');
    await writeFiles(dir, { 'qa.yaml': 'name: public/examples/geography_qa\nblocks:\n  - {name: generator, type: ollama}\n' });
    const error = await configErrorOf(loadJointConfig(file, {}));
    expect(error.message).toBe(
      `${file}: this file looks like a builder YAML; --config-path takes a joint config with \`databuilders\`, \`tasks\` and \`task_files\``,
    );
  });

  test('any other top-level key is an error naming it', async () => {
    const dir = await tempDir();
    const file = join(dir, 'config.yaml');
    await writeFiles(dir, { 'config.yaml': 'tasks: {}\nbuilders: {}\n' });
    const error = await configErrorOf(loadJointConfig(file, {}));
    expect(error.field).toBe('builders');
    expect(error.message).toContain(`${file}: field \`builders\`: unknown field`);
  });

  test('a block override without a name is named; builder-level keys such as max_workers are kept', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
      'a.yaml': 'databuilders:\n  geo:\n    blocks:\n      - {temperature: 0.7}\n',
      'b.yaml': 'databuilders:\n  geo:\n    max_workers: 3\n    data_builder: core/conversation\n',
    });
    expect((await configErrorOf(loadJointConfig(join(dir, 'a.yaml'), {}))).field).toBe('databuilders.geo.blocks.0.name');
    expect((await loadJointConfig(join(dir, 'b.yaml'), {})).databuilders).toEqual({ geo: { max_workers: 3, data_builder: 'core/conversation' } });
  });

  test("reads DGT's configs/public/examples joint configs", async () => {
    const dir = await tempDir();
    await writeFiles(dir, dgtExampleConfigs);
    const qa = await loadJointConfig(join(dir, 'configs/public/examples/openai_qa.yaml'), { DGT_DATA_DIR: '/d' });
    expect(qa.databuilders).toEqual({ 'public/examples/geography_qa': { blocks: [{ name: 'generator', type: 'openai', model_id_or_path: 'gpt-4o-mini' }] } });
    expect(qa.tasks).toEqual({
      'public/examples/geography_qa': { seed_examples: null, seed_datastore: { type: 'default', data_path: '/d/public/examples/qa/seed_examples.jsonl' } },
    });
    const chat = await loadJointConfig(join(dir, 'configs/public/examples/openai_chit_chat.yaml'), {});
    expect(chat.databuilders['public/examples/chit_chat']).toMatchObject({ data_builder: 'core/conversation' });
  });
});
