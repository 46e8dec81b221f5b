import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usage } from '../../lib/cli/args.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { repoRoot, runCli } from './run-cli.ts';

/** A geography task file with `body` after the common head. */
function taskFile(dir: string, name: string, body: string, head = 'data_builder: public/examples/geography_qa\n'): string {
  const path = join(dir, name);
  writeFileSync(path, `task_name: bad/task\ntask_description: A task with a mistake.\n${head}${body}`);
  return path;
}

const seeds = 'seed_examples:\n  - question: What is the capital of Peru?\n    answer: Lima.\n';

interface BadInput {
  readonly name: string;
  /** Writes what the case needs into `dir`; returns the CLI arguments after `run`, and what stderr must contain or match. */
  readonly setup: (dir: string) => { readonly args: readonly string[]; readonly names: readonly (string | RegExp)[] };
}

const cases: readonly BadInput[] = [
  {
    name: 'malformed YAML in a task file: the file and the line',
    setup: (dir) => {
      // Line 6 is `    answer: Lima: the capital`: a second `: ` in a plain scalar.
      const file = taskFile(dir, 'task.yaml', 'seed_examples:\n  - question: What is the capital of Peru?\n    answer: Lima: the capital\n');
      return { args: ['--task-paths', file], names: [file, 'invalid YAML at line 6, column 13'] };
    },
  },
  {
    name: 'an unknown builder: `data_builder`',
    setup: (dir) => {
      const file = taskFile(dir, 'task.yaml', seeds, 'data_builder: public/examples/no_such_builder\n');
      return { args: ['--task-paths', file], names: [file, 'field `data_builder`', 'public/examples/no_such_builder', 'public/examples/geography_qa'] };
    },
  },
  {
    name: 'an unknown engine type in the joint config: the block field `type`',
    setup: (dir) => {
      const config = join(dir, 'config.yaml');
      // The overridden block is listed second in the config, first in the builder YAML: the error names the config's place.
      writeFileSync(
        config,
        'databuilders:\n  public/examples/geography_qa:\n    blocks:\n      - name: dedup\n        threshold: 0.9\n      - name: generator\n        type: gpt-magic\n',
      );
      return {
        args: ['--task-paths', 'samples/geography-qa', '--config-path', config],
        names: [config, 'field `databuilders.public/examples/geography_qa.blocks.1.type`', 'gpt-magic'],
      };
    },
  },
  {
    name: 'a missing seed file: `seed_datastore.data_path`',
    setup: (dir) => {
      const missing = join(dir, 'no-such-seeds.jsonl');
      const file = taskFile(dir, 'task.yaml', `seed_datastore:\n  data_path: ${missing}\n`);
      return { args: ['--task-paths', file], names: [file, 'field `seed_datastore.data_path`', missing] };
    },
  },
  {
    name: 'a field of the wrong type: `runner_config.num_outputs_to_generate`',
    setup: (dir) => {
      const file = taskFile(dir, 'task.yaml', `runner_config:\n  num_outputs_to_generate: "ten"\n${seeds}`);
      return { args: ['--task-paths', file], names: [file, 'field `runner_config.num_outputs_to_generate`', 'expected number, received string'] };
    },
  },
  {
    name: 'an unknown field in a task',
    setup: (dir) => {
      const file = taskFile(dir, 'task.yaml', `num_outputs: 5\n${seeds}`);
      return { args: ['--task-paths', file], names: [file, 'field `num_outputs`', 'unknown field'] };
    },
  },
  {
    name: '`--num-outputs-to-generate 0`',
    setup: () => ({ args: ['--task-paths', 'samples/geography-qa', '--num-outputs-to-generate', '0'], names: ['`--num-outputs-to-generate`', '`0`'] }),
  },
  {
    name: 'a builder YAML passed as --config-path',
    setup: () => {
      const builder = join(repoRoot, 'builders', 'geography-qa', 'qa.yaml');
      return { args: ['--task-paths', 'samples/geography-qa', '--config-path', builder], names: [builder, 'builder YAML', 'databuilders'] };
    },
  },
];

describe('rxdgt run: bad input exits 2 with one line naming the file and the field', () => {
  for (const { name, setup } of cases) {
    it(name, async () => {
      const dir = tempDir();
      const out = join(dir, 'out');
      const { args, names } = setup(dir);
      const result = await runCli(['run', ...args, '--output-dir', out]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^rxdgt: [^\n]+\n$/);
      for (const text of names) expect(result.stderr).toMatch(text);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('an unknown CLI flag: names the flag, then the usage', async () => {
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--frobnicate', '3']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const [first, ...rest] = result.stderr.trimEnd().split('\n');
    expect(first).toBe('rxdgt: unknown option `--frobnicate`');
    expect(rest.join('\n')).toBe(usage);
  });
});
