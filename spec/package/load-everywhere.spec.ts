import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// The package as a user gets it: built and packed from a copy of the project (so the build never races another spec's
// build of dist/), then installed from the tarball into two fresh projects, one with the optional dependencies and
// one without (`--omit=optional`). The installs run no install scripts (better-sqlite3's would download or compile its
// addon, which needs the network or a minute of compiling): the full install gets the addon this project built, for
// the same version of better-sqlite3 and of Node, as its install script would have made it.
const require = createRequire(import.meta.url);
const ts50 = require('./ts50/node_modules/typescript') as typeof import('typescript');
const run = promisify(execFile);
const project = process.cwd();

let root: string;
let full: string;
let bare: string;

async function install(dir: string, tarball: string, extra: readonly string[]): Promise<void> {
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true })}\n`);
  const args = ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...extra, tarball];
  try {
    await run('npm', [...args, '--offline'], { cwd: dir });
  } catch {
    // A cache without the registry's metadata (a fresh `npm ci` stores only tarballs): let npm ask the registry.
    await run('npm', [...args, '--prefer-offline'], { cwd: dir });
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rxdgt-load-'));
  const stage = join(root, 'stage');
  mkdirSync(stage);
  for (const entry of ['package.json', 'README.md', 'LICENSE', 'builders']) {
    if (existsSync(entry)) cpSync(entry, join(stage, entry), { recursive: true });
  }
  execFileSync('npx', ['tsdown', '--out-dir', join(stage, 'dist'), '--logLevel', 'error'], { stdio: 'pipe' });
  execFileSync('npm', ['pack', '--pack-destination', root, '--loglevel=error'], { cwd: stage, stdio: 'pipe' });
  const tarball = join(root, readdirSync(root).find((name) => name.endsWith('.tgz'))!);
  full = join(root, 'full');
  bare = join(root, 'bare');
  await Promise.all([install(full, tarball, []), install(bare, tarball, ['--omit=optional'])]);
  const addon = join('node_modules', 'better-sqlite3');
  const version = (dir: string): unknown => (JSON.parse(readFileSync(join(dir, addon, 'package.json'), 'utf8')) as { version: unknown }).version;
  if (version(project) === version(full)) cpSync(join(project, addon, 'build'), join(full, addon, 'build'), { recursive: true });
  else await run('npm', ['rebuild', 'better-sqlite3'], { cwd: full });
}, 600_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A new folder in a consumer project: each run there writes its own task folder (`output/geo`). */
function folder(consumer: string, name: string): string {
  const dir = join(consumer, name);
  mkdirSync(dir);
  return dir;
}

/** Runs a script with Node in a consumer project; resolves with what it printed. */
function node(cwd: string, args: readonly string[]): string {
  return execFileSync('node', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// A geography task on a fake model, run for one record: the builder reads its prompt template from the package's own
// files, so this also proves the build finds them (`import.meta.url` is shimmed in the CommonJS build).
const printRecord = '(record) => process.stdout.write(JSON.stringify([record.task_name, record.question, record.answer]))';
function taskScript(subscriber = printRecord): string {
  return `
    const task = createTask({
      kind: 'generation',
      name: 'geo',
      seeds: [{ question: 'Q?', answer: 'A.' }],
      builder: geographyQa({ generator: createEngine(new FakeLanguageModel({ answers: 'Question: Which river?\\nAnswer: The Danube.' })) }),
    });
    task.run().pipe(take(1)).subscribe(${subscriber});
  `;
}
const taskOutput = JSON.stringify(['geo', 'Which river?', 'The Danube.']);

describe('installed with its optional dependencies', () => {
  test('the install has better-sqlite3 (an optional dependency) and not node-llama-cpp (an optional peer)', () => {
    expect(existsSync(join(full, 'node_modules', 'better-sqlite3', 'package.json'))).toBe(true);
    expect(existsSync(join(full, 'node_modules', 'node-llama-cpp'))).toBe(false);
  });

  test('require() loads the CommonJS build, with the testing entry too', () => {
    const out = node(full, [
      '-e',
      `const rxdgt = require('rxdgt');
       const testing = require('rxdgt/testing');
       process.stdout.write(JSON.stringify([require.resolve('rxdgt'), typeof rxdgt.createTask, typeof testing.FakeLanguageModel]));`,
    ]);
    const [resolved, createTask, fake] = JSON.parse(out) as string[];
    expect(resolved).toBe(resolve(full, 'node_modules/rxdgt/dist/index.cjs'));
    expect([createTask, fake]).toEqual(['function', 'function']);
  });

  test('a CommonJS script runs a task', () => {
    const script = `const { createEngine, createTask, geographyQa } = require('rxdgt');
      const { FakeLanguageModel } = require('rxdgt/testing');
      const { take } = require('rxjs');
      ${taskScript()}`;
    expect(node(folder(full, 'cjs'), ['-e', script])).toBe(taskOutput);
  });

  test('an ES module imports the ESM build and runs a task', () => {
    const script = `import { createEngine, createTask, geographyQa } from 'rxdgt';
      import { FakeLanguageModel } from 'rxdgt/testing';
      import { take } from 'rxjs';
      ${taskScript()}`;
    const dir = folder(full, 'esm');
    writeFileSync(join(dir, 'use.mjs'), script);
    expect(node(dir, ['use.mjs'])).toBe(taskOutput);
    writeFileSync(join(full, 'where.mjs'), `process.stdout.write(JSON.stringify([import.meta.resolve('rxdgt'), import.meta.resolve('rxdgt/testing')]));`);
    expect(JSON.parse(node(full, ['where.mjs']))).toEqual(['index.mjs', 'testing.mjs'].map((file) => pathToFileURL(join(full, 'node_modules/rxdgt/dist', file)).href));
  });

  // The ESM build imports each rxjs name from the file that defines it (tsdown.config.ts): fewer files than rxjs's
  // index loads, and the same module instances, so a user's rxjs classes are rxdgt's. A plain prompt template (the
  // geography builder's) renders without loading nunjucks.
  test("the ESM build loads only the rxjs files it uses, which are the user's own rxjs, and no nunjucks for a plain template", () => {
    const script = `import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const files = (name) => Object.keys(require.cache).filter((file) => file.includes('/node_modules/' + name + '/')).length;
      const { createEngine, createTask, geographyQa } = await import('rxdgt');
      const { FakeLanguageModel } = await import('rxdgt/testing');
      const byRxdgt = files('rxjs');
      const { Observable, take, lastValueFrom } = await import('rxjs');
      const task = createTask({
        kind: 'generation',
        name: 'geo',
        seeds: [{ question: 'Q?', answer: 'A.' }],
        builder: geographyQa({ generator: createEngine(new FakeLanguageModel({ answers: 'Question: Which river?\\nAnswer: The Danube.' })) }),
      });
      const records = task.run();
      const record = await lastValueFrom(records.pipe(take(1)));
      process.stdout.write(JSON.stringify([byRxdgt, files('rxjs'), records instanceof Observable, record.answer, files('nunjucks')]));`;
    const dir = folder(full, 'esm-loads');
    writeFileSync(join(dir, 'loads.mjs'), script);
    const [byRxdgt, byIndex, sameClass, answer, nunjucksFiles] = JSON.parse(node(dir, ['loads.mjs'])) as [number, number, boolean, string, number];
    expect(byRxdgt).toBeGreaterThan(0);
    expect(byRxdgt).toBeLessThan(byIndex / 2);
    expect(sameClass).toBe(true);
    expect(answer).toBe('The Danube.');
    expect(nunjucksFiles).toBe(0);
  });

  // tslab type-checks cells with TypeScript 5.0 and `node10` resolution (no `exports`: `types` and `typesVersions`
  // lead to the `.d.cts` files), then runs them as CommonJS.
  const settings = {
    'module commonjs': { module: ts50.ModuleKind.CommonJS, moduleResolution: ts50.ModuleResolutionKind.NodeJs, skipLibCheck: false },
    "tslab's": { module: ts50.ModuleKind.ESNext, moduleResolution: ts50.ModuleResolutionKind.NodeJs, esModuleInterop: true, skipLibCheck: true },
    'module node16, a .cts file': { module: ts50.ModuleKind.Node16, moduleResolution: ts50.ModuleResolutionKind.Node16, skipLibCheck: false },
  } satisfies Record<string, import('typescript').CompilerOptions>;

  test.each(Object.keys(settings) as (keyof typeof settings)[])('TypeScript 5.0 type-checks a consumer against the published types (%s)', (name) => {
    expect(ts50.version).toBe('5.0.4');
    const dir = folder(full, name.replace(/\W+/g, '-'));
    const file = join(dir, name.includes('.cts') ? 'use.cts' : 'use.ts');
    writeFileSync(
      file,
      `import { createEngine, createTask, geographyQa, type DataPoint } from 'rxdgt';
       import { FakeLanguageModel } from 'rxdgt/testing';
       import { take } from 'rxjs';
       ${taskScript(printRecord.replace('(record)', '(record: DataPoint)'))}`,
    );
    const program = ts50.createProgram([file], {
      ...settings[name],
      strict: true,
      target: ts50.ScriptTarget.ES2022,
      outDir: dir,
      types: ['node'],
      // The consumer installs no @types/node of its own.
      typeRoots: [join(project, 'node_modules', '@types')],
    });
    const errors = ts50
      .getPreEmitDiagnostics(program)
      // zod's own declarations use NoInfer (TS 5.4); only rxdgt's files and the consumer are ours to keep readable.
      .filter((diagnostic) => !diagnostic.file?.fileName.includes('/node_modules/zod/'))
      .map((diagnostic) => `${diagnostic.file?.fileName ?? ''}: ${ts50.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
    expect(errors).toEqual([]);
    if (name === 'module commonjs') {
      expect(program.emit().emitSkipped).toBe(false);
      expect(node(dir, ['use.js'])).toBe(taskOutput);
    }
  });

  test('a type error in the consumer is reported (the check can fail)', () => {
    const file = join(full, 'wrong.ts');
    writeFileSync(file, `import { createEngine } from 'rxdgt';\ncreateEngine('not a model');\n`);
    const program = ts50.createProgram([file], { module: ts50.ModuleKind.CommonJS, strict: true, noEmit: true, types: [] });
    const messages = ts50.getPreEmitDiagnostics(program).map((diagnostic) => ts50.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(messages.join('\n')).toMatch(/not assignable/);
  });
});

describe('installed with --omit=optional', () => {
  test('better-sqlite3 is left out, and the package still loads', () => {
    expect(existsSync(join(bare, 'node_modules', 'better-sqlite3'))).toBe(false);
    const out = node(bare, ['-e', `process.stdout.write(typeof require('rxdgt').createTask + ' ' + typeof require('rxdgt/testing').FakeLanguageModel)`]);
    expect(out).toBe('function function');
  });

  // Every run takes its task folder's lock: without better-sqlite3 it is a pid file (lib/store/pid-file-lock.ts), not
  // an SQLite lock, and the run goes on and writes its records.
  test('a run takes its task folder lock without better-sqlite3, makes its record and writes it', () => {
    const script = `const { createEngine, createTask, geographyQa } = require('rxdgt');
      const { FakeLanguageModel } = require('rxdgt/testing');
      const { take } = require('rxjs');
      ${taskScript()}`;
    const dir = folder(bare, 'run');
    expect(node(dir, ['-e', script])).toBe(taskOutput);
    const task = join(dir, 'output', 'geo');
    const records = readFileSync(join(task, 'data.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((record) => [record['question'], record['answer']])).toEqual([['Which river?', 'The Danube.']]);
    expect(JSON.parse(readFileSync(join(task, 'final_data.jsonl'), 'utf8'))).toMatchObject({ question: 'Which river?', answer: 'The Danube.' });
    // The run ended and let go of its lock: no holder file is left (the lock file stays, as with SQLite).
    expect(existsSync(join(task, '.rxdgt.lock.json'))).toBe(false);
    expect(existsSync(join(task, '.rxdgt.lock'))).toBe(true);
  });

  test('the disk cache says it needs better-sqlite3 and how to install it', () => {
    const out = node(bare, [
      '-e',
      `const { openSqliteCache, ConfigError } = require('rxdgt');
       try { openSqliteCache('cache/answers.db'); } catch (error) {
         process.stdout.write(JSON.stringify([ConfigError.isInstance(error), error.field, error.message]));
       }`,
    ]);
    expect(JSON.parse(out)).toEqual([
      true,
      'lm_cache',
      'cache/answers.db: field `lm_cache`: the disk cache (`lm_cache`) needs the optional package better-sqlite3, which is not installed (left out by `--omit=optional`, or its native addon failed to build): install it with `npm install better-sqlite3@12`',
    ]);
    // Nothing was created for a cache that could not open.
    expect(existsSync(join(bare, 'cache'))).toBe(false);
  });

  test('a llama-cpp engine says it needs node-llama-cpp and how to install it, from ESM too', () => {
    const script = `import { createLlamaCpp, ConfigError } from 'rxdgt';
      try { createLlamaCpp({ modelPath: 'model.gguf' }); } catch (error) {
        process.stdout.write(JSON.stringify([ConfigError.isInstance(error), error.field, error.message]));
      }`;
    writeFileSync(join(bare, 'llama.mjs'), script);
    const [isConfigError, field, message] = JSON.parse(node(bare, ['llama.mjs'])) as [boolean, string, string];
    expect([isConfigError, field]).toEqual([true, 'type']);
    expect(message).toMatch(/optional package node-llama-cpp, which is not installed; install it with `npm install node-llama-cpp@3\.21\.1`/);
  });
});
