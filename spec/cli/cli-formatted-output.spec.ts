/**
 * `formatted_data` through DGT's formatters from the CLI: a task's `formatter` with
 * `runner_config.save_formatted_output` or the `--save-formatted-output` flag, and a record the formatter cannot
 * format (exit 2 naming the formatter, the field and the record; `data.jsonl` and `final_data.jsonl` intact).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../lib/cli/args.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { rating, raterTask, serverConfig, stderrLines, wholeLines } from './cli-tasks.ts';
import { runCli } from './run-cli.ts';

const startServer = useTestServers();

const messagesFormatter = { type: 'formatters/conversation/messages' };

/** `count` conversation rows, as DGT's conversation builders write them; the rater keeps their fields. */
function conversations(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => ({
    question: `Question number ${index}?`,
    answer: `Answer number ${index}.`,
    conversation_id: `c-${index}`,
    steps: [
      { role: 'persona', content: 'A curious student.' },
      { role: 'user', content: `Question number ${index}?` },
      { role: 'tool_call', content: { name: 'lookup', arguments: { n: index }, call_id: `$${index}` } },
      { role: 'tool_result', content: { call_id: `$${index}`, result: { found: true } } },
      { role: 'assistant', content: `Answer number ${index}.` },
    ],
  }));
}

/** What formatters/conversation/messages makes of a row of `conversations`. */
function messagesOf(row: Record<string, unknown>): Record<string, unknown> {
  const index = Number(String(row['conversation_id']).slice(2));
  return {
    conversation_id: row['conversation_id'],
    messages: [
      { role: 'user', content: `Question number ${index}?` },
      { role: 'assistant', tool_calls: [{ id: `$${index}`, type: 'function', function: { name: 'lookup', arguments: `{"n": ${index}}` } }] },
      { role: 'tool', tool_call_id: `$${index}`, content: '{"found": true}' },
      { role: 'assistant', content: `Answer number ${index}.` },
    ],
  };
}

describe('rxdgt run: formatted_data through formatters/conversation/messages', () => {
  it('runner_config.save_formatted_output: formatted_data.jsonl holds one messages example per final record, in order', async () => {
    const server = await startServer({ respond: rating });
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = raterTask(dir, 'chat', conversations(4), { formatter: messagesFormatter, runner_config: { save_formatted_output: true } });
    const result = await runCli(['run', '--task-paths', task, '--config-path', serverConfig(dir, server), '--output-dir', out]);
    expect([result.code, result.stderr]).toEqual([0, '']);
    const final = wholeLines(join(out, 'chat', 'final_data.jsonl'));
    expect(final).toHaveLength(4);
    expect(wholeLines(join(out, 'chat', 'formatted_data.jsonl'))).toEqual(final.map(messagesOf));
  });

  it('--save-formatted-output turns it on for a task whose runner_config does not', async () => {
    const server = await startServer({ respond: rating });
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = raterTask(dir, 'chat', conversations(3), { formatter: messagesFormatter });
    const result = await runCli(['run', '--task-paths', task, '--config-path', serverConfig(dir, server), '--output-dir', out, '--save-formatted-output']);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(wholeLines(join(out, 'chat', 'formatted_data.jsonl'))).toEqual(wholeLines(join(out, 'chat', 'final_data.jsonl')).map(messagesOf));
    expect(wholeLines(join(out, 'chat', 'task_card.jsonl'))).toEqual([expect.objectContaining({ save_formatted_output: true })]);
  });

  it('--save-formatted-output with a task without a formatter: exit 2 naming the file and `formatter`, nothing written', async () => {
    const server = await startServer({ respond: rating });
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = raterTask(dir, 'chat', conversations(2));
    const result = await runCli(['run', '--task-paths', task, '--config-path', serverConfig(dir, server), '--output-dir', out, '--save-formatted-output']);
    expect(result.code).toBe(2);
    expect(stderrLines(result.stderr)).toEqual([`rxdgt: ${task}: field \`formatter\`: \`--save-formatted-output\` needs a \`formatter\` in every task`]);
    expect(existsSync(out)).toBe(false);
  });

  it('a record without a field the formatter needs: exit 2 naming formatter, field and rxdgt_id; data.jsonl and final_data.jsonl whole', async () => {
    const server = await startServer({ respond: rating });
    const dir = tempDir();
    const out = join(dir, 'out');
    const rows = conversations(3);
    delete rows[1]!['conversation_id'];
    const task = raterTask(dir, 'chat', rows, { formatter: messagesFormatter, runner_config: { save_formatted_output: true } });
    const result = await runCli(['run', '--task-paths', task, '--config-path', serverConfig(dir, server), '--output-dir', out]);
    const data = wholeLines(join(out, 'chat', 'data.jsonl'));
    expect(data).toHaveLength(3);
    const broken = data.find((record) => record['conversation_id'] === undefined)!;
    expect(result.code).toBe(2);
    expect(stderrLines(result.stderr)).toEqual([`rxdgt: formatter \`formatters/conversation/messages\`: record \`${String(broken['rxdgt_id'])}\` has no field \`conversation_id\``]);
    expect(readFileSync(join(out, 'chat', 'final_data.jsonl'), 'utf8')).toBe(readFileSync(join(out, 'chat', 'data.jsonl'), 'utf8'));
    expect(existsSync(join(out, 'chat', 'formatted_data.jsonl'))).toBe(false);
    expect(wholeLines(join(out, 'chat', 'task_results.jsonl')).at(-1)).toMatchObject({ status: 'errored' });
  });
});

describe('parseArgs: --save-formatted-output', () => {
  it('sets saveFormattedOutput and takes no value', () => {
    expect(parseArgs(['run', '--task-paths', 'a', '--save-formatted-output'])).toEqual({ command: 'run', settings: { taskPaths: ['a'], saveFormattedOutput: true } });
    expect(() => parseArgs(['run', '--task-paths', 'a', '--save-formatted-output=yes'])).toThrow('`--save-formatted-output` takes no value, received `yes`');
  });
});
