import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { startTestServer } from '../../lib/testing/test-server.ts';
import { readLines } from '../helpers/read-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { generationRequests, promptOf, runCli, startCli, summaryTable, writeJointConfig } from './run-cli.ts';
import { startOllamaServer } from '../helpers/servers/ollama-server.ts';

const startServer = useTestServers();

const geography = 'public/examples/geography_qa';
const rater = 'public/examples/qa_rater';

/** The output files of the geography sample under `out`. */
function geographyFiles(out: string) {
  const dir = join(out, 'samples', 'geography_qa');
  return {
    dir,
    data: join(dir, 'data.jsonl'),
    finalData: join(dir, 'final_data.jsonl'),
    results: join(dir, 'task_results.jsonl'),
    rejected: (block: string) => join(dir, 'blocks', `${block}.jsonl`),
  };
}

/** A server answer that is a unique question-answer pair per call, as the default responder gives. */
function questionAnswer(counter: number): string {
  return `Question: What is the capital of test region ${counter}?\nAnswer: Test city ${counter}.`;
}

/** A port on 127.0.0.1 that nothing listens on: a server's port, once it has closed. */
async function closedPort(): Promise<number> {
  const server = await startTestServer();
  await server.close();
  return Number(new URL(server.url).port);
}

describe('rxdgt run: the geography sample against a local server', () => {
  it('makes 20 records, resumes without new requests, and --restart starts over with --num-outputs-to-generate 5', async () => {
    const server = await startServer();
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = writeJointConfig(dir, { [geography]: { block: 'generator', baseURL: server.baseURL } });
    const files = geographyFiles(out);
    const args = ['run', '--task-paths', 'samples/geography-qa', '--config-path', config, '--output-dir', out];

    const first = await runCli(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(readLines(files.data)).toHaveLength(20);
    expect(readLines(files.finalData)).toEqual(readLines(files.data));
    const [result] = readLines<TaskResult>(files.results);
    expect(result).toMatchObject({ task_name: 'samples/geography_qa', status: 'completed', metrics: { 'Number of data produced': 20 } });
    for (const record of readLines(files.data)) {
      expect(record).toMatchObject({ task_name: 'samples/geography_qa', is_seed: false, question: expect.any(String), answer: expect.any(String) });
    }

    const { columns, rows } = summaryTable(first.stdout);
    expect(columns).toEqual(['task', 'status', 'records', 'rejected', 'LM calls', 'tokens', 'cost', 'elapsed']);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ task: 'samples/geography_qa', status: 'completed', records: '20' });
    expect(Number(row['tokens'])).toBeGreaterThan(0);
    expect(row['elapsed']).toMatch(/^\d+\.\d s$/);

    // Exactly one request per record: every server answer is a new valid pair, and no input starts beyond the
    // target. (The engine's cache may answer a repeated prompt without a request; that answer is a duplicate the
    // dedup block rejects, which costs no request.)
    expect(generationRequests(server.requests)).toHaveLength(20);
    const requests = 20;
    expect(row['LM calls']).toBe('20');
    expect(readLines(files.rejected('generator'))).toEqual([]);
    expect(row['rejected']).toBe(String(result?.metrics?.['records_rejected']));

    // Already complete: resumes from data.jsonl and asks the server nothing.
    const second = await runCli(args);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(generationRequests(server.requests)).toHaveLength(requests);
    expect(readLines(files.data)).toHaveLength(20);
    expect(summaryTable(second.stdout).rows[0]).toMatchObject({ status: 'completed', records: '20', 'LM calls': '0' });

    // --restart throws the earlier files away.
    const third = await runCli([...args, '--restart', '--num-outputs-to-generate', '5']);
    expect(third.stderr).toBe('');
    expect(third.code).toBe(0);
    expect(readLines(files.data)).toHaveLength(5);
    expect(readLines(files.finalData)).toHaveLength(5);
    expect(readLines<TaskResult>(files.results)).toEqual([
      expect.objectContaining({ status: 'completed', metrics: expect.objectContaining({ 'Number of data produced': 5 }) }),
    ]);
    expect(generationRequests(server.requests)).toHaveLength(requests + 5);
    expect(summaryTable(third.stdout).rows[0]).toMatchObject({ status: 'completed', records: '5' });
  });

  it('walks each directory given to --task-paths and runs every task in them', async () => {
    let pairs = 0;
    const server = await startServer({
      respond: (request) => {
        const prompt = promptOf(request);
        if (prompt.includes('Rate the question-answer pair')) return '{"knowledge": "world geography", "difficulty": "easy"}';
        pairs += 1;
        // The pipeline sample asks for a JSON object.
        return prompt.includes('as one JSON object') ? JSON.stringify({ question: `What is the capital of region ${pairs}?`, answer: `City ${pairs}.` }) : questionAnswer(pairs);
      },
    });
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = writeJointConfig(dir, {
      [geography]: { block: 'generator', baseURL: server.baseURL },
      [rater]: { block: 'rater', baseURL: server.baseURL },
      'samples/pipeline_qa': { block: 'writer', baseURL: server.baseURL },
    });

    const builders = 'samples/pipeline-qa/builders';
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', 'samples/pipeline-qa', 'samples/qa-rater', '--include-builder-paths', builders, '--config-path', config, '--output-dir', out, '--num-outputs-to-generate', '3']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readdirSync(join(out, 'samples')).sort()).toEqual(['geography_qa', 'pipeline_qa', 'qa_rater']);
    // The builder without code: the writer's JSON merged, its question checked and deduplicated.
    const piped = readLines(join(out, 'samples', 'pipeline_qa', 'data.jsonl'));
    expect(piped).toHaveLength(3);
    for (const record of piped) expect(record).toMatchObject({ task_name: 'samples/pipeline_qa', question: expect.stringMatching(/^What is the capital of region \d+\?$/) });
    expect(readLines(join(out, 'samples', 'geography_qa', 'data.jsonl'))).toHaveLength(3);
    // The flag is for generation tasks: the rater rates all five records of its task file.
    const rated = readLines(join(out, 'samples', 'qa_rater', 'final_data.jsonl'));
    expect(rated).toHaveLength(5);
    for (const record of rated) expect(record).toMatchObject({ task_name: 'samples/qa_rater', ratings: { knowledge: 'world geography', difficulty: 'easy' } });
    expect(generationRequests(server.requests).filter((request) => promptOf(request).includes('Rate the question-answer pair'))).toHaveLength(5);
    expect(summaryTable(result.stdout).rows.map((row) => [row['task'], row['status'], row['records']])).toEqual([
      ['samples/geography_qa', 'completed', '3'],
      ['samples/pipeline_qa', 'completed', '3'],
      ['samples/qa_rater', 'completed', '5'],
    ]);
  });

  it('reads OLLAMA_HOST when no config is given: the ollama engine speaks Ollama\'s native API with every option', async () => {
    const server = await startOllamaServer({
      models: ['granite4:3b'],
      respond: (_request, index) => `Question: Where is place ${index}?\nAnswer: There.`,
    });
    onTestFinished(() => server.close());
    const out = join(tempDir(), 'out');
    const host = server.url.replace(/^http:\/\//, '');
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--output-dir', out, '--num-outputs-to-generate', '3'], {
      // As Ollama users write it: no scheme.
      OLLAMA_HOST: host,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readLines(geographyFiles(out).data)).toHaveLength(3);
    const chats = server.requests.filter((request) => request.path === '/api/chat');
    expect(chats).toHaveLength(3);
    // The builder YAML's model and options reach the server, under Ollama's names.
    expect(chats[0]?.body).toMatchObject({ model: 'granite4:3b', stream: false, options: { num_ctx: 4096, num_predict: 128, temperature: 0 } });
  });
});

describe('rxdgt run: an unreachable engine', () => {
  /** Checks the one-line error and that nothing was written. */
  function expectUnreachable(result: Awaited<ReturnType<typeof runCli>>, url: string, out: string, variable: string): void {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^rxdgt: /);
    expect(lines[0]).toContain(url);
    expect(lines[0]).toContain('--config-path');
    // The environment variable that moves this engine type elsewhere.
    expect(lines[0]).toContain(variable);
    expect(existsSync(out)).toBe(false);
  }

  it('fails with exit code 1 naming the default ollama endpoint, before creating the output dir', async () => {
    const out = join(tempDir(), 'out');
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--output-dir', out]);
    expectUnreachable(result, 'http://localhost:11434', out, 'OLLAMA_HOST');
  });

  it('fails with exit code 1 naming the configured endpoint when nothing listens on its port', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const baseURL = `http://127.0.0.1:${await closedPort()}/v1`;
    const config = writeJointConfig(dir, { [geography]: { block: 'generator', baseURL } });
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--config-path', config, '--output-dir', out]);
    expectUnreachable(result, baseURL, out, 'OPENAI_BASE_URL');
    expect(result.stderr).toContain('`generator`');
  });
});

describe('rxdgt run: a misbehaving model', () => {
  it('exits 1 when every call fails, says why in the summary and keeps the records already made', async () => {
    const server = await startServer({ fault: (_request, index) => (index >= 3 ? { kind: 'status', status: 500 } : undefined) });
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = writeJointConfig(dir, { [geography]: { block: 'generator', baseURL: server.baseURL, extra: 'max_retries: 0' } });
    const files = geographyFiles(out);

    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--config-path', config, '--output-dir', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const row = summaryTable(result.stdout).rows[0];
    expect(row).toMatchObject({ task: 'samples/geography_qa', status: 'failed' });
    const reason = result.stdout.split('\n').find((line) => line.startsWith('samples/geography_qa: failed: '));
    expect(reason).toMatch(/failure rate/);
    expect(reason).toMatch(/Last error: .*500/);

    // The three answers that came back are on disk, in data.jsonl and final_data.jsonl.
    const questions = readLines(files.data).map((record) => record['question']);
    expect(questions.sort()).toEqual(['What is the capital of region 1?', 'What is the capital of region 2?', 'What is the capital of region 3?']);
    expect(readLines(files.finalData)).toHaveLength(3);
    const [taskResult] = readLines<TaskResult>(files.results);
    expect(taskResult).toMatchObject({ status: 'failed', reason: 'failure_rate', message: reason?.slice('samples/geography_qa: failed: '.length) });
    const failures = readLines<{ issues: { code: string; message: string }[] }>(files.rejected('generator'));
    for (const failure of failures) {
      expect(failure.issues[0]).toMatchObject({ code: 'lm_call_failed', message: expect.stringContaining('500') });
      // max_retries: 0 from the config reached the engine: the call's own error, not a RetryError after several tries.
      expect(failure.issues[0]?.message).not.toMatch(/Failed after/);
    }

    // The failure rate stopped the task after at least 20 attempts, at 50 % or more failures.
    const [, failed = '', attempts = ''] = /(\d+) of (\d+) LM calls failed/.exec(reason ?? '') ?? [];
    expect(Number(attempts)).toBeGreaterThanOrEqual(20);
    expect(Number(failed) / Number(attempts)).toBeGreaterThanOrEqual(0.5);
    expect(failures.length).toBeGreaterThanOrEqual(Number(failed));
    // The summary agrees with task_results.jsonl, and counts the failed calls as LM calls. Inputs settled when the
    // criterion fired are committed and counted too: the counts may run past the reason line's, never short of it.
    const metrics = taskResult?.metrics ?? {};
    expect(row).toMatchObject({
      records: String(metrics['Number of data produced']),
      rejected: String(metrics['records_rejected']),
      'LM calls': String(Number(metrics['lm_calls']) + failures.length),
    });
    expect(Number(metrics['Number of data produced']) + Number(metrics['records_rejected'])).toBeGreaterThanOrEqual(Number(attempts));
    // Every outcome made before the stop is written, emitted and counted: the files and the counts agree.
    expect(metrics['Number of data produced']).toBe(3);
    // Rejections land per block: the failed calls under `generator`, and any prompt that repeated by chance (the
    // builder's temperature 0 serves it from the cache) as a duplicate under `dedup`.
    expect(failures.length + readLines(files.rejected('dedup')).length).toBe(Number(metrics['records_rejected']));
    // Failing fast, one request per attempt: past the attempts counted, only the inputs still in the builder
    // (at most the task's inputs in flight: call_limit 10 and a quarter more, 12) when the task stopped, and those
    // were aborted.
    const requests = generationRequests(server.requests).length;
    expect(requests).toBeGreaterThanOrEqual(3 + failures.length);
    expect(requests).toBeLessThanOrEqual(Number(attempts) + 12);
  });

  it('rejects garbled answers as parse_failed and still completes', async () => {
    const server = await startServer({ fault: (_request, index) => (index % 3 === 1 ? { kind: 'garbled' } : undefined) });
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = writeJointConfig(dir, { [geography]: { block: 'generator', baseURL: server.baseURL } });
    const files = geographyFiles(out);

    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--config-path', config, '--output-dir', out, '--num-outputs-to-generate', '6']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readLines(files.data)).toHaveLength(6);
    // Six good answers take server requests 0, 2, 3, 5, 6 and 8; requests 1, 4 and 7 are garbled.
    expect(generationRequests(server.requests)).toHaveLength(9);
    const rejected = readLines<{ task_name: string; issues: { code: string; block: string }[] }>(files.rejected('generator'));
    expect(rejected.length).toBeGreaterThanOrEqual(3);
    for (const line of rejected) {
      expect(line.task_name).toBe('samples/geography_qa');
      expect(line.issues).toEqual([expect.objectContaining({ code: 'parse_failed', block: 'generator' })]);
    }
    const [taskResult] = readLines<TaskResult>(files.results);
    expect(summaryTable(result.stdout).rows[0]).toMatchObject({
      status: 'completed',
      records: '6',
      rejected: String(taskResult?.metrics?.['records_rejected']),
      'LM calls': String(taskResult?.metrics?.['lm_calls']),
    });
  });
});

describe('rxdgt run: a model that repeats itself', () => {
  it('stalls after 100 attempts without a new record and exits 1, keeping the one record made', async () => {
    const server = await startServer({ respond: () => 'Question: Always the same?\nAnswer: Yes.' });
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = writeJointConfig(dir, { [geography]: { block: 'generator', baseURL: server.baseURL } });
    const files = geographyFiles(out);

    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--config-path', config, '--output-dir', out]);
    expect(result.code).toBe(1);
    expect(summaryTable(result.stdout).rows[0]).toMatchObject({ status: 'stalled', records: '1' });
    expect(result.stdout).toContain('samples/geography_qa: stalled: no new record in the last 100 attempts');
    expect(readLines(files.data)).toHaveLength(1);
    expect(readLines(files.rejected('dedup')).length).toBeGreaterThanOrEqual(100);
  });
});

describe('rxdgt run: Ctrl-C', () => {
  it('stops on SIGINT: the task is recorded as cancelled, the records made are kept, the summary printed, exit 1', async () => {
    // Three quick answers, then calls that would hang for a minute.
    const server = await startServer({ latencyMs: (index) => (index < 3 ? 0 : 60_000) });
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = writeJointConfig(dir, { [geography]: { block: 'generator', baseURL: server.baseURL } });
    const files = geographyFiles(out);
    const lineCount = (path: string): number => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0);

    const { child, result } = startCli(['run', '--task-paths', 'samples/geography-qa', '--config-path', config, '--output-dir', out]);
    await waitFor(() => lineCount(files.data) === 3 && server.counters.inFlight > 0);
    child.kill('SIGINT');
    const { code, signal, stdout, stderr } = await result;

    // main() handled the signal: a normal exit with code 1, not death by signal.
    expect({ code, signal, stderr }).toEqual({ code: 1, signal: null, stderr: '' });
    expect(summaryTable(stdout).rows).toEqual([expect.objectContaining({ task: 'samples/geography_qa', status: 'cancelled', records: '3' })]);
    expect(readLines(files.data)).toHaveLength(3);
    expect(readLines<TaskResult>(files.results)).toEqual([
      expect.objectContaining({ status: 'cancelled', metrics: expect.objectContaining({ 'Number of data produced': 3 }) }),
    ]);
  });
});

describe('rxdgt --help', () => {
  it('prints the usage on stdout and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: rxdgt run --task-paths/);
    for (const flag of ['--task-paths', '--num-outputs-to-generate', '--restart', '--output-dir', '--config-path', '--build-id']) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).toContain('Exit codes: 0 done, 1 run failed, 2 bad input.');
  });
});
