import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { geography, geographyTask, rater, raterTask, writeTask } from './cli-tasks.ts';
import { runCli } from './run-cli.ts';

const startServer = useTestServers();

/** The lines of stdout, without the last newline. */
function linesOf(stdout: string): string[] {
  return stdout.replace(/\n$/, '').split('\n');
}

/** A regular expression matching `text` literally, then anything. */
function startingWith(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}

/** A folder `name` under `dir`, made. */
function folder(dir: string, name: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return path;
}

describe('rxdgt validate', () => {
  it('reports every problem of a tree, one line each naming the file and the field, exit 2, with no request, cache or output folder', async () => {
    const dir = tempDir();
    const server = await startServer();
    const tasks = folder(dir, 'tasks');
    // Two problems in one task file: an ill-typed field and an unknown one.
    const badFields = geographyTask(folder(tasks, 'a'), 'a', { runner_config: { num_outputs_to_generate: 'many', num_output: 3 } });
    const unknownBuilder = writeTask(folder(tasks, 'b'), 'b', 'public/examples/nowhere', { seed_examples: [{ question: 'Q?', answer: 'A.' }] });
    const noSeeds = writeTask(folder(tasks, 'c'), 'c', geography);
    // Two tasks in one folder: the later one is at fault.
    raterTask(folder(tasks, 'd'), 'd', [{ question: 'Q?', answer: 'A.' }], { store_name: 'shared' });
    const sharing = raterTask(folder(tasks, 'e'), 'e', [{ question: 'Q?', answer: 'A.' }], { store_name: 'shared' });
    geographyTask(folder(tasks, 'f'), 'f');
    // The rater's block has two problems (met by both of its tasks: reported once); the generator's is fine, with a cache file.
    const cache = join(dir, 'cache', 'answers.db');
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      stringify({
        databuilders: {
          [rater]: { blocks: [{ name: 'rater', type: 'openai', base_url: server.baseURL, model_id_or_path: 'm', temperature: -1, top_q: 0.5 }] },
          [geography]: { blocks: [{ name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'm', lm_cache: cache }] },
        },
      }),
    );
    const out = join(dir, 'out');

    const result = await runCli(['validate', '--task-paths', tasks, '--config-path', config, '--output-dir', out]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('');
    expect(linesOf(result.stdout)).toEqual([
      `${badFields}: field \`runner_config.num_outputs_to_generate\`: expected number, received string`,
      `${badFields}: field \`runner_config.num_output\`: unknown field`,
      expect.stringMatching(startingWith(`${unknownBuilder}: field \`data_builder\`: unknown builder \`public/examples/nowhere\` (known: `)),
      `${noSeeds}: field \`seed_examples\`: a generation task needs \`seed_examples\` or a \`seed_datastore\``,
      `${config}: field \`databuilders.${rater}.blocks.0.temperature\`: block \`rater\`: too small: expected number to be >=0`,
      `${config}: field \`databuilders.${rater}.blocks.0.top_q\`: block \`rater\`: unknown field`,
      expect.stringMatching(startingWith(`${sharing}: field \`store_name\`: the task's folder ${join(out, 'shared')} is also the folder of task \`d\``)),
      '6 tasks, 2 builders checked: 7 problems',
    ]);
    expect(server.requests).toEqual([]);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir, 'cache'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['config.yaml', 'tasks']);
  });

  it('exits 0 with a one-line summary when all is well, without asking the engine anything', async () => {
    const dir = tempDir();
    const server = await startServer();
    geographyTask(folder(dir, 'geo'), 'geo');
    raterTask(folder(dir, 'rate'), 'rate', [{ question: 'Q?', answer: 'A.' }]);
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      stringify({
        databuilders: {
          [rater]: { blocks: [{ name: 'rater', type: 'openai', base_url: server.baseURL, model_id_or_path: 'm' }] },
          [geography]: { blocks: [{ name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'm' }] },
        },
      }),
    );

    const result = await runCli(['validate', '--task-paths', join(dir, 'geo'), join(dir, 'rate'), '--config-path', config], {}, { cwd: dir });

    expect(result).toMatchObject({ code: 0, stderr: '', stdout: '2 tasks, 2 builders checked: no problems\n' });
    expect(server.requests).toEqual([]);
    // Not even the default output folder of the working directory.
    expect(readdirSync(dir).sort()).toEqual(['config.yaml', 'geo', 'rate']);
  });

  it('loads the builders under --include-builder-paths that no task names, and reports their problems', async () => {
    const dir = tempDir();
    const builders = folder(dir, 'builders');
    const unused = join(builders, 'unused.yaml');
    writeFileSync(
      unused,
      stringify({
        name: 'mine/unused',
        kind: 'transformation',
        blocks: [{ name: 'check', type: 'validators/length', min: 'four' }],
        pipeline: ['check'],
      }),
    );
    geographyTask(folder(dir, 'geo'), 'geo');

    const result = await runCli(['validate', '--task-paths', join(dir, 'geo'), '--include-builder-paths', builders, '--output-dir', join(dir, 'out')]);

    expect(result.code).toBe(2);
    expect(linesOf(result.stdout)).toEqual([expect.stringMatching(startingWith(`${unused}: field \`blocks.0.min\`: block \`check\`: `)), '1 task, 2 builders checked: 1 problem']);
  });

  it('reports a joint config it cannot read as one problem, having checked nothing', async () => {
    const dir = tempDir();
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'databuilders: [not, a, mapping]\n');
    geographyTask(folder(dir, 'geo'), 'geo');

    const result = await runCli(['validate', '--task-paths', join(dir, 'geo'), '--config-path', config]);

    expect(result.code).toBe(2);
    const lines = linesOf(result.stdout);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(startingWith(`${config}: field \`databuilders\`: `));
    expect(lines[1]).toBe('0 tasks, 0 builders checked: 1 problem');
  });
});
