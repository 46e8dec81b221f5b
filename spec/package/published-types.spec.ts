import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

// The compiler lives in spec/package/ts50 (installed by `npm test`'s pretest) so its bin cannot shadow TypeScript 6.
// tslab type-checks notebook cells with its own TypeScript 5.0: the published types must read under it.
const require = createRequire(import.meta.url);
const ts50 = require('./ts50/node_modules/typescript') as typeof import('typescript');

beforeAll(() => {
  execFileSync('npx', ['tsdown'], { stdio: 'pipe' });
}, 120_000);

const consumers: string[] = [];
afterAll(() => {
  for (const dir of consumers) rmSync(dir, { recursive: true, force: true });
});

function diagnosticsOf(source: string): string[] {
  // Inside the project so that `rxdgt` resolves to this package through its own `exports`.
  const dir = mkdtempSync(join(process.cwd(), 'node_modules', '.consumer-'));
  consumers.push(dir);
  const file = join(dir, 'use.ts');
  writeFileSync(file, source);
  const program = ts50.createProgram([file], {
    strict: true,
    module: ts50.ModuleKind.Node16,
    moduleResolution: ts50.ModuleResolutionKind.Node16,
    target: ts50.ScriptTarget.ES2022,
    noEmit: true,
    types: ['node'],
  });
  return ts50
    .getPreEmitDiagnostics(program)
    // zod's own declarations use NoInfer (TS 5.4); only rxdgt's files and the consumer are ours to keep readable.
    .filter((diagnostic) => !diagnostic.file?.fileName.includes('/node_modules/zod/'))
    .map((diagnostic) => `${diagnostic.file?.fileName ?? ''}: ${ts50.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
}

test('every path package.json publishes exists after the build, and the installed command runs', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
    bin: Record<string, string>;
    main: string;
    types: string;
    exports: Record<string, unknown>;
  };
  // Conditions nest (`import` and `require`, each with its `types`): every leaf is a path.
  const leaves = (entry: unknown): string[] => (typeof entry === 'string' ? [entry] : Object.values(entry as Record<string, unknown>).flatMap(leaves));
  const paths = [...Object.values(manifest.bin), manifest.main, manifest.types, ...leaves(manifest.exports)];
  expect(paths.filter((path) => !existsSync(path))).toEqual([]);
  const help = execFileSync('node', [manifest.bin['rxdgt'] as string, '--help'], { encoding: 'utf8' });
  expect(help).toMatch(/^Usage: rxdgt run --task-paths/);
});

test('the published types compile under TypeScript 5.0', () => {
  expect(ts50.version).toBe('5.0.4');
  const errors = diagnosticsOf(`
    import { createEngine, createTask, geographyQa, qaRater, prepareRun, runTasks, type DataPoint } from 'rxdgt';
    import { FakeLanguageModel, startTestServer } from 'rxdgt/testing';
    import { take } from 'rxjs';
    const engine = createEngine(new FakeLanguageModel({ answers: 'Question: Q?\\nAnswer: A.' }));
    const task = createTask({ kind: 'generation', name: 'geo', seeds: [{ question: 'Q', answer: 'A' }], builder: geographyQa({ generator: engine }) });
    task.run().pipe(take(1)).subscribe((record: DataPoint) => record.task_name);
    void qaRater; void prepareRun; void runTasks; void startTestServer;
  `);
  expect(errors).toEqual([]);
});

test('a type error in consumer code is reported (the check can fail)', () => {
  const errors = diagnosticsOf(`
    import { createEngine } from 'rxdgt';
    createEngine('not a model');
  `);
  expect(errors.join('\n')).toMatch(/not assignable/);
});
