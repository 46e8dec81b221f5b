import { describe, expect, it } from 'vitest';
import { parseArgs, usage } from '../../lib/cli/args.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';

/** The ConfigError message parseArgs throws for `argv`. */
function problemOf(argv: readonly string[]): string {
  try {
    parseArgs(argv);
  } catch (error) {
    if (ConfigError.isInstance(error)) return error.message;
    throw error;
  }
  throw new Error(`parseArgs accepted ${argv.join(' ')}`);
}

describe('parseArgs', () => {
  it('reads every flag, with `--task-paths` taking each argument up to the next flag', () => {
    expect(
      parseArgs([
        'run',
        '--task-paths',
        'a/task.yaml',
        'b',
        '--num-outputs-to-generate=7',
        '--restart',
        '--output-dir',
        'out',
        '--config-path',
        'config.yaml',
        '--build-id',
        'exp-2',
      ]),
    ).toEqual({
      command: 'run',
      settings: { taskPaths: ['a/task.yaml', 'b'], numOutputsToGenerate: 7, restart: true, outputDir: 'out', configPath: 'config.yaml', buildId: 'exp-2' },
    });
  });

  it('accepts DGT spellings: `--data-paths` and `--restart-generation`', () => {
    expect(parseArgs(['run', '--data-paths', 'a', '--restart-generation'])).toEqual({ command: 'run', settings: { taskPaths: ['a'], restart: true } });
  });

  it('returns help for no arguments, `help`, `-h` and `--help` (also after `run`)', () => {
    for (const argv of [[], ['help'], ['-h'], ['--help'], ['run', '--task-paths', 'a', '--help']]) expect(parseArgs(argv)).toEqual({ command: 'help' });
  });

  it('rejects an unknown command, an unknown flag (with the usage) and a missing `--task-paths`', () => {
    expect(problemOf(['generate'])).toBe('unknown command `generate` (expected `run`, `validate`, `preview`, `list`, `monitor` or `worker`)');
    expect(problemOf(['run', '--task-paths', 'a', '--nope'])).toBe(`unknown option \`--nope\`\n${usage}`);
    expect(problemOf(['run', '--restart'])).toMatch(/^`--task-paths` is required/);
    expect(problemOf(['run', '--task-paths', '--restart'])).toMatch(/^`--task-paths` is required/);
  });

  it('rejects a flag with a missing or empty value', () => {
    expect(problemOf(['run', '--task-paths', 'a', '--output-dir'])).toBe('`--output-dir` needs a value');
    expect(problemOf(['run', '--task-paths', 'a', '--output-dir', '--restart'])).toBe('`--output-dir` needs a value');
    expect(problemOf(['run', '--task-paths', 'a', '--config-path='])).toBe('`--config-path` needs a value');
    // An empty task path would resolve to the working directory and run every task under it.
    expect(problemOf(['run', '--task-paths='])).toBe('`--task-paths` got an empty path');
    expect(problemOf(['run', '--task-paths', 'a', ''])).toBe('`--task-paths` got an empty path');
  });

  it('takes only a whole number of 1 or more for `--num-outputs-to-generate`', () => {
    expect(parseArgs(['run', '--task-paths', 'a', '--num-outputs-to-generate', '12'])).toMatchObject({ settings: { numOutputsToGenerate: 12 } });
    for (const text of ['0', '-3', '2.5', '2.0', '1e3', '0x10', 'ten', ' ', '99999999999999999999']) {
      expect(problemOf(['run', '--task-paths', 'a', `--num-outputs-to-generate=${text}`])).toBe(
        `\`--num-outputs-to-generate\` must be a whole number of 1 or more, received \`${text}\``,
      );
    }
  });

  it('rejects a value given to a switch instead of ignoring it', () => {
    expect(problemOf(['run', '--task-paths', 'a', '--restart=false'])).toBe('`--restart` takes no value, received `false`');
    expect(problemOf(['run', '--task-paths', 'a', '--help=run'])).toBe('`--help` takes no value, received `run`');
  });
  it('reads the DGT builder and task flags into the run settings', () => {
    expect(
      parseArgs([
        'run',
        '--task-paths',
        'a',
        '--seed-batch-size',
        '3',
        '--machine-batch-size=0',
        '--max-gen-requests',
        '40',
        '--max-stalled-requests',
        '5',
        '--num-prompt-instructions',
        '2',
        '--prompt-file-path',
        'prompt.txt',
        '--include-namespaces',
        'public',
        '--debug',
      ]),
    ).toEqual({
      command: 'run',
      debug: true,
      settings: { taskPaths: ['a'], seedBatchSize: 3, machineBatchSize: 0, maxGenRequests: 40, maxStalledRequests: 5, numPromptInstructions: 2, promptFilePath: 'prompt.txt' },
    });
  });

  it("takes DGT's bare form (flags without `run`) and `--config-path` without `--task-paths`", () => {
    expect(parseArgs(['--task-paths', 'a', 'b', '--restart'])).toEqual({ command: 'run', settings: { taskPaths: ['a', 'b'], restart: true } });
    expect(parseArgs(['--config-path', 'config.yaml'])).toEqual({ command: 'run', settings: { taskPaths: [], configPath: 'config.yaml' } });
    expect(parseArgs(['run', '--config-path=config.yaml'])).toEqual({ command: 'run', settings: { taskPaths: [], configPath: 'config.yaml' } });
    expect(problemOf(['--restart'])).toMatch(/^`--task-paths` is required/);
  });

  it('rejects bad values of the DGT flags and an unknown namespace, naming the flag', () => {
    expect(problemOf(['run', '--task-paths', 'a', '--seed-batch-size', '0'])).toBe('`--seed-batch-size` must be a whole number of 1 or more, received `0`');
    expect(problemOf(['run', '--task-paths', 'a', '--machine-batch-size', '-1'])).toBe('`--machine-batch-size` must be a whole number of 0 or more, received `-1`');
    expect(problemOf(['run', '--task-paths', 'a', '--machine-batch-size', '1.5'])).toBe('`--machine-batch-size` must be a whole number of 0 or more, received `1.5`');
    expect(problemOf(['run', '--task-paths', 'a', '--max-gen-requests', 'many'])).toBe('`--max-gen-requests` must be a whole number of 1 or more, received `many`');
    expect(problemOf(['run', '--task-paths', 'a', '--max-stalled-requests', '0'])).toBe('`--max-stalled-requests` must be a whole number of 1 or more, received `0`');
    expect(problemOf(['run', '--task-paths', 'a', '--include-namespaces', 'public', 'research'])).toBe('`--include-namespaces`: unknown namespace `research` (known: core, public)');
    expect(problemOf(['run', '--task-paths', 'a', '--debug=yes'])).toBe('`--debug` takes no value, received `yes`');
  });

  it('lists every DGT flag in the usage text', () => {
    for (const flag of ['--include-namespaces', '--debug', '--seed-batch-size', '--machine-batch-size', '--num-prompt-instructions', '--prompt-file-path', '--max-gen-requests', '--max-stalled-requests']) {
      expect(usage).toContain(flag);
    }
  });

  it('reads `validate` with the flags of `run`, and needs its tasks as `run` does', () => {
    expect(parseArgs(['validate', '--task-paths', 'a', 'b', '--config-path', 'c.yaml', '--include-builder-paths', 'x', 'y'])).toEqual({
      command: 'validate',
      settings: { taskPaths: ['a', 'b'], configPath: 'c.yaml', builderPaths: ['x', 'y'] },
    });
    expect(parseArgs(['validate', '--config-path=c.yaml'])).toEqual({ command: 'validate', settings: { taskPaths: [], configPath: 'c.yaml' } });
    expect(problemOf(['validate'])).toMatch(/^`--task-paths` is required/);
    expect(problemOf(['validate', '--task-paths', 'a', '--nope'])).toBe(`unknown option \`--nope\`\n${usage}`);
    expect(parseArgs(['validate', '--help'])).toEqual({ command: 'help' });
  });

  it('reads `list` with its topics (all when none, in a fixed order, once each) and `--json`', () => {
    expect(parseArgs(['list'])).toEqual({ command: 'list', topics: ['builders', 'blocks', 'engines', 'formatters'] });
    expect(parseArgs(['list', 'engines', 'builders', 'engines', '--json'])).toEqual({ command: 'list', topics: ['builders', 'engines'], json: true });
    expect(parseArgs(['list', '--help'])).toEqual({ command: 'help' });
    expect(problemOf(['list', 'models'])).toBe('unknown list topic `models` (known: builders, blocks, engines, formatters)');
    expect(problemOf(['list', '--yaml'])).toBe('unknown option `--yaml` of `list` (it takes --json)');
  });

  it('reads `--version` and `-V`, alone or among run flags, taking no value', () => {
    for (const argv of [['--version'], ['-V'], ['run', '--task-paths', 'a', '-V'], ['validate', '--version']]) expect(parseArgs(argv)).toEqual({ command: 'version' });
    expect(problemOf(['--version=2'])).toBe('`--version` takes no value, received `2`');
  });

  it('lists the commands and `--version` in the usage text', () => {
    expect(usage).toMatch(/^Usage: rxdgt run --task-paths/);
    for (const text of ['rxdgt validate --task-paths', 'rxdgt list [builders|blocks|engines|formatters...] [--json]', 'rxdgt --version', '-V, --version']) {
      expect(usage).toContain(text);
    }
  });
  it('reads `--monitor` with or without a port, for `run` only', () => {
    expect(parseArgs(['run', '--task-paths', 'a', '--monitor'])).toEqual({ command: 'run', settings: { taskPaths: ['a'] }, monitor: 0 });
    expect(parseArgs(['run', '--monitor', '8123', '--task-paths', 'a'])).toEqual({ command: 'run', settings: { taskPaths: ['a'] }, monitor: 8123 });
    expect(parseArgs(['--task-paths', 'a', '--monitor=9000'])).toEqual({ command: 'run', settings: { taskPaths: ['a'] }, monitor: 9000 });
    // A task path after `--monitor` is not its port.
    expect(parseArgs(['run', '--monitor', '--task-paths', 'a'])).toEqual({ command: 'run', settings: { taskPaths: ['a'] }, monitor: 0 });
    expect(problemOf(['run', '--task-paths', 'a', '--monitor=0'])).toBe('`--monitor` must be a port from 1 to 65535, received `0`');
    expect(problemOf(['run', '--task-paths', 'a', '--monitor=70000'])).toBe('`--monitor` must be a port from 1 to 65535, received `70000`');
    expect(problemOf(['preview', '--task-paths', 'a', '--monitor'])).toBe('`--monitor` is an option of `run` only');
  });

  it('reads `--quiet` and `--log-format`, and refuses `--debug` with `--quiet`', () => {
    expect(parseArgs(['run', '--task-paths', 'a', '--quiet'])).toEqual({ command: 'run', settings: { taskPaths: ['a'] }, log: { quiet: true } });
    expect(parseArgs(['run', '--task-paths', 'a', '--log-format', 'json'])).toEqual({ command: 'run', settings: { taskPaths: ['a'] }, log: { json: true } });
    expect(parseArgs(['run', '--task-paths', 'a', '--log-format=text'])).toEqual({ command: 'run', settings: { taskPaths: ['a'] } });
    expect(problemOf(['run', '--task-paths', 'a', '--log-format', 'xml'])).toBe('`--log-format` must be `text` or `json`, received `xml`');
    expect(problemOf(['run', '--task-paths', 'a', '--debug', '--quiet'])).toBe('`--debug` and `--quiet` ask for opposite things: give one');
    expect(problemOf(['validate', '--task-paths', 'a', '--quiet'])).toBe('`--quiet` is an option of `run` only');
    expect(problemOf(['preview', '--task-paths', 'a', '--log-format', 'json'])).toBe('`--log-format` is an option of `run` only');
  });

  it('reads `monitor` with its output folder, `--port` and `--telemetry-dir`', () => {
    expect(parseArgs(['monitor', 'output'])).toEqual({ command: 'monitor', outputDir: 'output' });
    expect(parseArgs(['monitor', '--port', '8123', 'out', '--telemetry-dir=tel'])).toEqual({ command: 'monitor', outputDir: 'out', port: 8123, telemetryDir: 'tel' });
    expect(parseArgs(['monitor', '--help'])).toEqual({ command: 'help' });
    expect(problemOf(['monitor'])).toBe('`monitor` needs the output folder of a run: rxdgt monitor <output_dir>');
    expect(problemOf(['monitor', 'a', 'b'])).toBe('`monitor` takes one output folder, received `a` and `b`');
    expect(problemOf(['monitor', 'a', '--port', 'x'])).toBe('`--port` must be a port from 1 to 65535, received `x`');
    expect(problemOf(['monitor', 'a', '--nope'])).toBe('unknown option `--nope` of `monitor` (it takes --port and --telemetry-dir)');
  });
});
