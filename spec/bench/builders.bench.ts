/**
 * DGT's builders as users run them: the built CLI (`node dist/cli.mjs run ...`), whole process, on each builder's
 * sample task, against the test server in another process (`builder-server-process.ts`, 50 ms latency) answering in
 * the builder's formats, some answers deliberately wrong (`spec/builders/<folder>/answers.ts`). Per builder: records/s
 * over the process's wall time and as a ratio to the geography builder's in the same run, LM calls per accepted
 * record, rejects by issue code, and conversations/s for the conversation builders. Adding a builder is one entry in
 * `benches`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { TestServerCounters } from '../../lib/testing/test-server.ts';
import { repoRoot, startChildServer } from './child-server.ts';
import { num, scratchDir } from './common.ts';

const latencyMs = 50;
/** Records asked of each generation builder (`--num-outputs-to-generate`); `BENCH_BUILDERS_OUTPUTS` changes it. */
const outputs = Number(process.env['BENCH_BUILDERS_OUTPUTS'] ?? 60);
/** A CLI run still going after this long is killed and reported. */
const runTimeoutMs = 60_000;

/** One builder of the benchmark. */
interface BuilderBench {
  /** What the printed line names. */
  readonly label: string;
  /** The folder of `spec/builders/` whose `answers.ts` plays the builder; undefined: `test-server-process.ts`'s geography answers. */
  readonly answers: string | undefined;
  /** Task paths, relative to the repository root. */
  readonly tasks: readonly string[];
  /** `--num-outputs-to-generate`; undefined for a transformation builder, which runs its sample data. */
  readonly outputs: number | undefined;
  /** Whether a record is a conversation (conversations/s is printed). */
  readonly conversations?: boolean;
}

/** The baseline comes first: every other line is a ratio to its records/s. */
const benches: readonly BuilderBench[] = [
  { label: 'public/examples/geography_qa (baseline)', answers: undefined, tasks: ['samples/geography-qa'], outputs },
  { label: 'instructlab/skills (freeform + grounded)', answers: 'instructlab-skills', tasks: ['samples/instructlab-skills/freeform', 'samples/instructlab-skills/grounded'], outputs },
  { label: 'public/instructlab/simple', answers: 'instructlab-simple', tasks: ['samples/instructlab-simple/temporal_reasoning'], outputs },
  { label: 'instructlab/knowledge', answers: 'instructlab-knowledge', tasks: ['samples/instructlab-knowledge'], outputs },
  { label: 'magpie (transformation, the 7-record sample)', answers: 'magpie', tasks: ['samples/magpie'], outputs: undefined },
  { label: 'public/safety/refusal', answers: 'safety-refusal', tasks: ['samples/safety-refusal'], outputs },
  { label: 'core/conversation', answers: 'conversation', tasks: ['samples/conversation/chit-chat'], outputs, conversations: true },
  { label: 'public/rag/conversation', answers: 'rag-conversation', tasks: ['samples/rag-conversation/city-services'], outputs, conversations: true },
  { label: 'tool_calling/multi_turn/stateless (library + library-no-bt)', answers: 'tool-calling', tasks: ['samples/tool-calling/library', 'samples/tool-calling/library-no-bt'], outputs, conversations: true },
];

/** What a builder's `answers.ts` exports for a joint config. */
interface Answers {
  readonly builder: string;
  blocks(baseURL: string): readonly Record<string, unknown>[];
  /** Joint-config `tasks:` entries, by task name, for what only a task sets (a tool engine's LM); optional. */
  tasks?(baseURL: string): Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

const geographyAnswers: Answers = {
  builder: 'public/examples/geography_qa',
  blocks: (baseURL) => [{ name: 'generator', type: 'openai', base_url: baseURL, model_id_or_path: 'test-model', api_key: 'k' }],
};

interface ServerStats {
  readonly cpuMs: number;
  readonly counters: TestServerCounters;
}

/** Variables that would point the engines elsewhere: the CLI gets only the joint config's endpoints. */
const isolated = ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'OLLAMA_HOST', 'RXDGT_EMBEDDINGS_URL', 'RXDGT_EMBEDDINGS_MODEL', 'DGT_OUTPUT_DIR', 'DGT_CACHE_DIR', 'DGT_DATA_DIR'];

/** Runs the built CLI to its end; the wall time is the whole process's. */
function runCli(args: readonly string[]): Promise<{ code: number | null; seconds: number; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of isolated) delete env[name];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli.mjs'), ...args], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), runTimeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal === 'SIGKILL' ? null : code, seconds: (performance.now() - started) / 1000, stderr });
    });
  });
}

const jsonLines = (path: string): Record<string, any>[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, any>)
    : [];

/** Every task folder under `out`: the folders holding a `task_results.jsonl`. */
function taskFolders(out: string): string[] {
  if (!existsSync(out)) return [];
  return readdirSync(out, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('task_results.jsonl'))
    .map((name) => join(out, name, '..'));
}

/** What one run left on disk, summed over its task folders. */
interface Figures {
  readonly records: number;
  readonly lmCalls: number;
  /** From the first task's start to the last one's end (tasks of one run go side by side). */
  readonly taskSeconds: number;
  readonly statuses: readonly string[];
  readonly rejects: ReadonlyMap<string, number>;
}

function readFigures(out: string): Figures {
  let records = 0;
  let lmCalls = 0;
  let firstStart = Infinity;
  let lastEnd = -Infinity;
  const statuses: string[] = [];
  const rejects = new Map<string, number>();
  const count = (line: Record<string, any>): void => {
    const codes = new Set<string>(((line['issues'] ?? []) as { code?: string }[]).map((issue) => issue.code ?? 'no_code'));
    if (codes.size === 0) codes.add('no_issue');
    for (const code of codes) rejects.set(code, (rejects.get(code) ?? 0) + 1);
  };
  for (const folder of taskFolders(out)) {
    records += jsonLines(join(folder, 'final_data.jsonl')).length;
    const result = jsonLines(join(folder, 'task_results.jsonl')).at(-1) ?? {};
    lmCalls += Number(result['metrics']?.['lm_calls'] ?? 0);
    firstStart = Math.min(firstStart, Date.parse(result['start_time']));
    lastEnd = Math.max(lastEnd, Date.parse(result['end_time']));
    statuses.push(`${result['status']}${result['reason'] ? ` (${result['reason']})` : ''}`);
    const blocks = join(folder, 'blocks');
    if (existsSync(blocks)) {
      for (const name of readdirSync(blocks, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.jsonl'))) jsonLines(join(blocks, name)).forEach(count);
    }
    jsonLines(join(folder, 'postprocess_rejections.jsonl')).forEach(count);
  }
  return { records, lmCalls, taskSeconds: (lastEnd - firstStart) / 1000, statuses, rejects };
}

/** `judge_rejected 12, duplicate 3, ...`: the top codes, most frequent first. */
function describeRejects(rejects: ReadonlyMap<string, number>, top = 5): string {
  if (rejects.size === 0) return 'none';
  const sorted = [...rejects].sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0]));
  const shown = sorted.slice(0, top).map(([code, times]) => `${code} ${times}`);
  return sorted.length > top ? `${shown.join(', ')}, +${sorted.length - top} more codes` : shown.join(', ');
}

/** Runs one builder's sample against its own server process; returns the printed line and its records/s. */
async function benchBuilder(bench: BuilderBench, dir: string, baseline: number | undefined): Promise<{ line: string; perSecond: number }> {
  const answers: Answers = bench.answers === undefined ? geographyAnswers : ((await import(`../builders/${bench.answers}/answers.ts`)) as Answers);
  const server = await startChildServer<ServerStats>(bench.answers === undefined ? 'test-server-process.ts' : 'builder-server-process.ts', {
    LATENCY_MS: String(latencyMs),
    ...(bench.answers === undefined ? {} : { BUILDER: bench.answers }),
  });
  try {
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'config.yaml');
    const tasks = answers.tasks?.(server.baseURL);
    writeFileSync(config, stringify({ databuilders: { [answers.builder]: { blocks: answers.blocks(server.baseURL) } }, ...(tasks === undefined ? {} : { tasks }) }));
    const out = join(dir, 'out');
    const args = ['run', '--task-paths', ...bench.tasks, '--config-path', config, '--output-dir', out, '--seed', '1'];
    if (bench.outputs !== undefined) args.push('--num-outputs-to-generate', String(bench.outputs));
    await server.ask('reset');
    const run = await runCli(args);
    const { counters } = await server.ask('stats');
    const figures = readFigures(out);
    const perSecond = figures.records / run.seconds;
    const exit = run.code === 0 ? '' : ` EXIT ${run.code ?? 'killed after 60 s'}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')};`;
    const ratio = baseline === undefined ? 'the baseline' : `${num(perSecond / baseline)}x geography`;
    const conversations = bench.conversations ? `; ${num(perSecond)} conversations/s` : '';
    const embeddings = counters.byPath['/v1/embeddings'] ?? 0;
    const line =
      `  ${bench.label}:${exit} ${figures.records} records in ${num(run.seconds)} s = ${num(perSecond)} records/s (${ratio}; ` +
      `${num(figures.records / figures.taskSeconds)}/s over the tasks' own time)${conversations}; ` +
      `${figures.records === 0 ? 'no' : num(figures.lmCalls / figures.records)} LM calls per accepted record ` +
      `(${figures.lmCalls} calls; server: ${counters.requests} generation, ${embeddings} embedding requests); ` +
      `${figures.statuses.join(', ')}; rejects: ${describeRejects(figures.rejects)}`;
    return { line, perSecond };
  } finally {
    await server.close();
  }
}

/** Builds the CLI once, then runs every builder of `benches` in turn. */
export async function benchBuilders(): Promise<string[]> {
  const build = spawnSync('npx', ['tsdown'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npx tsdown failed: ${build.stderr}`);
  const scratch = await scratchDir('builders');
  const lines = [`  the built CLI, whole process, --seed 1; test server in another process, ${latencyMs} ms latency; ${outputs} records asked of each generation builder`];
  try {
    let baseline: number | undefined;
    for (const [index, bench] of benches.entries()) {
      const { line, perSecond } = await benchBuilder(bench, join(scratch.path, String(index)), baseline);
      baseline ??= perSecond;
      lines.push(line);
    }
  } finally {
    await scratch.remove();
  }
  return lines;
}
