import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// The sample notebooks (samples/notebooks/*.ipynb), executed headless as CI does: `/usr/bin/jupyter nbconvert --execute`
// with the tslab kernel, importing `rxdgt` as a user's project would. The package is built once, by this spec, into a
// folder of its own laid out as an install (package.json, builders/, dist/; its dependencies the project's), so the
// notebooks load the built CommonJS and read the published `.d.cts` types under tslab's TypeScript 5.0, never the `.ts`
// sources, and no other spec's build of dist/ can race it. Any error output fails a notebook: a nonzero exit, an
// `error` output, or any `stderr` stream (where tslab writes compile errors and errors thrown after an `await`, which
// leave the exit code 0).
const run = promisify(execFile);
const project = process.cwd();
const jupyter = '/usr/bin/jupyter';
const required = process.env['RXDGT_REQUIRE_SERVICES'] === '1';
const notebooks = readdirSync(join(project, 'samples', 'notebooks'))
  .filter((name) => name.endsWith('.ipynb'))
  .sort();

interface Output {
  readonly output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  readonly name?: string;
  readonly text?: string | string[];
  readonly data?: Readonly<Record<string, string | string[]>>;
  readonly ename?: string;
  readonly evalue?: string;
}
interface Notebook {
  readonly cells: readonly { readonly cell_type: string; readonly outputs?: readonly Output[]; readonly metadata: unknown }[];
  readonly metadata: { readonly kernelspec?: { readonly name?: string } };
}

const joined = (text: string | string[] | undefined): string => (Array.isArray(text) ? text.join('') : (text ?? ''));

/** What a notebook's cells put out, in order. */
function outputsOf(notebook: Notebook): Output[] {
  return notebook.cells.flatMap((cell) => cell.outputs ?? []);
}
const stdoutOf = (outputs: readonly Output[]): string => outputs.filter((output) => output.output_type === 'stream' && output.name === 'stdout').map((output) => joined(output.text)).join('');
const htmlOf = (outputs: readonly Output[]): string[] => outputs.flatMap((output) => (output.data?.['text/html'] === undefined ? [] : [joined(output.data['text/html'])]));
const rowsIn = (html: string): number => html.match(/<tr><td/g)?.length ?? 0;

let root: string;
let consumer: string;
let jupyterPath: string;
const executed = new Map<string, Notebook>();

describe.skipIf(!existsSync(jupyter) && !required)('the sample notebooks under tslab', () => {
  beforeAll(() => {
    expect(existsSync(jupyter), `${jupyter} is missing (apt-get install jupyter-nbconvert python3-nbclient jupyter-client)`).toBe(true);
    root = mkdtempSync(join(tmpdir(), 'rxdgt-notebooks-'));
    // The package, as installed: its manifest, its builders' files and a fresh build.
    const installed = join(root, 'rxdgt');
    mkdirSync(installed);
    for (const entry of ['package.json', 'builders']) cpSync(join(project, entry), join(installed, entry), { recursive: true });
    execFileSync('npx', ['tsdown', '--out-dir', join(installed, 'dist'), '--logLevel', 'error'], { cwd: project, stdio: 'pipe' });
    symlinkSync(join(project, 'node_modules'), join(installed, 'node_modules'));
    // A user's project: rxdgt and rxjs installed, the notebooks and the sample task they read beside each other.
    consumer = join(root, 'consumer');
    mkdirSync(join(consumer, 'node_modules'), { recursive: true });
    symlinkSync(installed, join(consumer, 'node_modules', 'rxdgt'));
    symlinkSync(join(project, 'node_modules', 'rxjs'), join(consumer, 'node_modules', 'rxjs'));
    cpSync(join(project, 'samples', 'notebooks'), join(consumer, 'samples', 'notebooks'), {
      recursive: true,
      // Not what running them by hand leaves: their output, an install beside them, Jupyter's checkpoints.
      filter: (source) => !/[\\/](output|node_modules|\.ipynb_checkpoints)$/.test(source),
    });
    cpSync(join(project, 'samples', 'geography-qa'), join(consumer, 'samples', 'geography-qa'), { recursive: true });
    // The tslab kernel, local to this run: no global Jupyter state.
    mkdirSync(join(root, 'tmp'));
    jupyterPath = join(root, 'jupyter');
    mkdirSync(join(jupyterPath, 'kernels', 'tslab'), { recursive: true });
    const kernel = { argv: [join(project, 'node_modules', '.bin', 'tslab'), 'kernel', '--config-path', '{connection_file}'], display_name: 'TypeScript', language: 'typescript' };
    writeFileSync(join(jupyterPath, 'kernels', 'tslab', 'kernel.json'), `${JSON.stringify(kernel)}\n`);
  }, 300_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('the committed notebooks name the tslab kernel and carry no outputs', () => {
    expect(notebooks.length).toBeGreaterThanOrEqual(5);
    for (const name of notebooks) {
      const notebook = JSON.parse(readFileSync(join(project, 'samples', 'notebooks', name), 'utf8')) as Notebook;
      expect(notebook.metadata.kernelspec?.name, name).toBe('tslab');
      expect(notebook.cells.flatMap((cell) => cell.outputs ?? []), name).toEqual([]);
    }
  });

  test.for(notebooks)('%s runs without error output', async (name, { annotate }) => {
    const out = join(root, 'executed');
    const started = performance.now();
    try {
      await run(jupyter, ['nbconvert', '--to', 'notebook', '--execute', name, '--output-dir', out, '--ExecutePreprocessor.timeout=300'], {
        cwd: join(consumer, 'samples', 'notebooks'),
        // The notebooks write under os.tmpdir(): here, inside this spec's folder, removed with it.
        env: { ...process.env, JUPYTER_PATH: jupyterPath, TMPDIR: join(root, 'tmp') },
      });
    } catch (error) {
      // The end of nbconvert's report: the failing cell and the kernel's error.
      throw new Error(`${name}: nbconvert failed: ${((error as { stderr?: string }).stderr ?? String(error)).slice(-4000)}`);
    }
    const seconds = (performance.now() - started) / 1000;
    await annotate(`${name} executed in ${seconds.toFixed(1)} s`);
    const timings = process.env['RXDGT_NOTEBOOK_TIMINGS'];
    if (timings) writeFileSync(timings, `${name}\t${seconds.toFixed(1)}\n`, { flag: 'a' });
    const notebook = JSON.parse(readFileSync(join(out, name), 'utf8')) as Notebook;
    executed.set(name, notebook);
    const problems = outputsOf(notebook)
      .filter((output) => output.output_type === 'error' || (output.output_type === 'stream' && output.name === 'stderr'))
      .map((output) => (output.output_type === 'error' ? `${output.ename}: ${output.evalue}` : joined(output.text)));
    expect(problems).toEqual([]);
  });

  describe('key outputs', () => {
    const outputs = (name: string): Output[] => {
      const notebook = executed.get(name);
      if (notebook === undefined) throw new Error(`${name} did not run`);
      return outputsOf(notebook);
    };

    test('01: a table of 5 records on the simulated engine, then 5 from the local server', () => {
      const found = outputs('01-getting-started.ipynb');
      const tables = htmlOf(found).filter((html) => html.includes('rxdgt-records'));
      expect(tables.map(rowsIn)).toEqual([5, 5]);
      expect(tables[0]).toContain('[simulated] question');
      expect(tables[1]).toContain('What is the capital of region');
      expect(stdoutOf(found)).toMatch(/^5 requests answered by http:\/\/127\.0\.0\.1:\d+$/m);
    });

    test('02: the task files run, and the task folder holds DGT files', () => {
      const found = outputs('02-dgt-task-files.ipynb');
      const stdout = stdoutOf(found);
      expect(stdout).toContain('task_name: samples/geography_qa');
      for (const file of ['data.jsonl', 'final_data.jsonl', 'task_results.jsonl']) expect(stdout).toMatch(new RegExp(`^${file}$`, 'm'));
      expect(stdout).toContain('status: completed, records: 6');
      expect(htmlOf(found).map(rowsIn)).toEqual([6, 6]);
    });

    test('03: each progress view is one output, redrawn in place to its end; the live table has every record', () => {
      const found = outputs('03-rxjs-live.ipynb');
      const views = htmlOf(found).filter((html) => html.includes('rxdgt-progress'));
      // One output per view, though it was drawn many times: every draw after the first was an update_display_data.
      expect(views).toHaveLength(2);
      expect(views[0]).toMatch(/geography_live<\/strong> · completed[\s\S]*24\/24 records/);
      expect(views[1]).toMatch(/first 8 with a long answer<\/strong> · completed[\s\S]*8\/8 records/);
      const draws = Number(/the view was drawn (\d+) times/.exec(stdoutOf(found))?.[1]);
      expect(draws).toBeGreaterThan(2);
      const [live] = htmlOf(found).filter((html) => html.includes('rxdgt-records'));
      expect(live).toContain('live: 24 records');
      expect(rowsIn(live!)).toBe(24);
      expect(stdoutOf(found)).toMatch(/8 records, view completed/);
      expect(stdoutOf(found).match(/^batch \d: /gm)).toHaveLength(3);
    });

    test('04: the custom block rejects the long answers, and the rest are kept', () => {
      const found = outputs('04-custom-builder.ipynb');
      const html = htmlOf(found);
      expect(html.find((output) => output.includes('rxdgt-progress'))).toMatch(/short_qa<\/strong> · completed[\s\S]*9\/9 records · 2 rejected/);
      expect(rowsIn(html.find((output) => output.includes('accepted: 9 records'))!)).toBe(9);
      expect(stdoutOf(found)).toContain('2 rejected by short_answers; 11 model calls');
      const rejects = html.find((output) => output.includes('short_answers.jsonl'))!;
      expect(rowsIn(rejects)).toBe(2);
      expect(rejects).toContain('answer_too_long');
    });

    test('05: a preview shows its sample and the whole run estimated, with cost from prices', () => {
      const found = outputs('05-preview-and-cost.ipynb');
      const stdout = stdoutOf(found);
      expect(stdout).toContain('samples/geography_qa: completed, 3 records from 3 inputs, target 20');
      expect(stdout).toMatch(/completed, 4 calls answered by http:\/\/127\.0\.0\.1:\d+/);
      const priced = htmlOf(found).find((html) => html.includes('priced: sample and estimate'))!;
      expect(priced).toMatch(/<td>records<\/td><td>4<\/td><td>200<\/td>/);
      expect(priced).toMatch(/<td>LM calls<\/td><td>4<\/td><td>200<\/td>/);
      expect(priced).toMatch(/<td>cost \(USD\)<\/td><td>0\.\d{4}<\/td><td>0\.\d{4}<\/td>/);
      expect(priced).toMatch(/<td>wall time \(s\)<\/td><td><\/td><td>\d+\.\d \(call_limit\)<\/td>/);
    });
  });
});
