import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach } from 'vitest';
import type { TestServerRequest } from '../../lib/testing/test-server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** The repository root: the CLI runs from here, so `samples/...` task paths resolve. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** What one CLI process did. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const running = new Set<ChildProcess>();

// A test that failed or timed out must not leave its CLI process behind.
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

/** Variables that would point the engines elsewhere or move the output; each test sets what it needs. */
const isolatedVariables = [
  'OLLAMA_HOST',
  'OPENAI_BASE_URL',
  'OPENAI_API_KEY',
  'DGT_OUTPUT_DIR',
  'DGT_DATA_DIR',
  'DGT_CACHE_DIR',
  'FORCE_COLOR',
  'DGT_TELEMETRY_DIR',
  'DGT_TELEMETRY_DISABLE',
  'DGT_TELEMETRY_RECORD_PAYLOADS',
  'DGT_TELEMETRY_PAYLOAD_MAX_CHARS',
  // Keys and endpoints of the other engine types: a machine's own must neither reach a test nor satisfy a missing-key check.
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
  'AZURE_OPENAI_API_KEY',
  'AZURE_OPENAI_ENDPOINT',
  'OPENAI_API_VERSION',
  'WATSONX_API_KEY',
  'WATSONX_API_TOKEN',
  'WATSONX_PROJECT_ID',
  'WATSONX_API_URL',
  'WATSONX_IAM_URL',
];

/**
 * Starts `node --import tsx lib/cli/bin.ts <args>` from the repo root, stdin ignored and stdout/stderr piped (no
 * TTY). No deadline of its own: the test timeout bounds a hung CLI, and the child is killed when the test ends.
 */
export function startCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  options: { readonly cwd?: string } = {},
): { readonly child: ChildProcess; readonly result: Promise<CliResult> } {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of isolatedVariables) delete childEnv[name];
  // Telemetry files go to a folder of the test's own, never the repository's `telemetry/` (tests set their own to read it).
  childEnv['DGT_TELEMETRY_DIR'] = tempDir('rxdgt-telemetry-');
  Object.assign(childEnv, env);
  // From another folder (a `.env` there), tsx and the CLI are named by their place in the repository.
  const loader = options.cwd === undefined ? 'tsx' : pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const bin = options.cwd === undefined ? 'lib/cli/bin.ts' : join(repoRoot, 'lib', 'cli', 'bin.ts');
  const child = spawn(process.execPath, ['--import', loader, bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, result };
}

/** Runs the CLI to its end; see {@link startCli}. */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}, options: { readonly cwd?: string } = {}): Promise<CliResult> {
  return startCli(args, env, options).result;
}

/** Writes a joint config pointing the given builders' LM blocks at `baseURL`, plus any extra block keys. */
export function writeJointConfig(
  dir: string,
  blocks: Readonly<Record<string, { readonly block: string; readonly baseURL: string; readonly extra?: string }>>,
  name = 'config.yaml',
): string {
  const sections = Object.entries(blocks).map(([builder, { block, baseURL, extra }]) =>
    [
      `  ${builder}:`,
      '    blocks:',
      `      - name: ${block}`,
      '        type: openai',
      `        base_url: ${baseURL}`,
      '        model_id_or_path: test-model',
      ...(extra ? extra.split('\n').map((line) => `        ${line}`) : []),
    ].join('\n'),
  );
  const path = join(dir, name);
  writeFileSync(path, `databuilders:\n${sections.join('\n')}\n`);
  return path;
}

/** One row of the summary table the CLI prints, keyed by column title. */
export type SummaryRow = Readonly<Record<string, string>>;

/**
 * Reads the summary table from stdout: the header line (`task  status  records ...`), a dashes line, then one row
 * per task. Cells are separated by two or more spaces.
 */
export function summaryTable(stdout: string): { readonly columns: readonly string[]; readonly rows: readonly SummaryRow[] } {
  const lines = stdout.split('\n');
  const headerAt = lines.findIndex((line) => /^task\s{2,}status\s{2,}/.test(line));
  if (headerAt === -1) return { columns: [], rows: [] };
  const split = (line: string): string[] => line.trim().split(/\s{2,}/);
  const columns = split(lines[headerAt] as string);
  const rows: SummaryRow[] = [];
  for (const line of lines.slice(headerAt + 2)) {
    const cells = split(line);
    if (cells.length !== columns.length) break;
    rows.push(Object.fromEntries(columns.map((column, index) => [column, cells[index] as string])));
  }
  return { columns, rows };
}

/** Generation requests (chat or legacy completions) the server received, without the preflight `/models` probe. */
export function generationRequests(requests: readonly TestServerRequest[]): TestServerRequest[] {
  return requests.filter((request) => request.path === '/v1/chat/completions' || request.path === '/v1/completions');
}

/** The text of every message of a chat request, joined. */
export function promptOf(request: TestServerRequest): string {
  const messages = (request.body as { messages?: { content?: unknown }[] } | undefined)?.messages ?? [];
  return messages.map((message) => String(message.content ?? '')).join('\n');
}

/**
 * Writes a joint config that overrides one block of each given builder with exactly the fields given (`name`
 * included), as YAML; unlike {@link writeJointConfig} the engine `type` is the caller's.
 */
export function writeBlockConfig(
  dir: string,
  blocks: Readonly<Record<string, Readonly<Record<string, unknown>> & { readonly name: string }>>,
  name = 'config.yaml',
): string {
  const databuilders = Object.fromEntries(Object.entries(blocks).map(([builder, block]) => [builder, { blocks: [block] }]));
  const path = join(dir, name);
  writeFileSync(path, stringify({ databuilders }));
  return path;
}
