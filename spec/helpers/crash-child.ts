// A task run for the crash test (spec/run/crash-safety.spec.ts): prints `ready`, then one line per record it is
// handed (`record <rxdgt_id> <key>`), written synchronously so a line printed is a line the parent can read even
// after a `kill -9`. Usage: node --import tsx spec/helpers/crash-child.ts <generation|transformation> <output dir> <ledger>
import { writeSync } from 'node:fs';
import { delay, mergeMap, of, pipe } from 'rxjs';
import { geographyQa } from '../../builders/geography-qa/index.ts';
import { createEngine } from '../../lib/model/engine.ts';
import { fanOut, rejected } from '../../lib/outcome.ts';
import { createSimulated } from '../../lib/providers/simulated/simulated-model.ts';
import type { DataPoint, Fields, Outcome } from '../../lib/record.ts';
import { type Builder, createTask } from '../../lib/run/task.ts';

const [kind, outputDir, ledger] = process.argv.slice(2) as ['generation' | 'transformation', string, 'jsonl' | 'sqlite'];
const print = (line: string): void => void writeSync(1, `${line}\n`);

/** Rows of the transformation: row `n` makes `n % 3 + 1` records, except every seventh row, which is rejected. */
const transformationRows = Array.from({ length: 2000 }, (_, n) => ({ n }));

/** M→N: each row fans out into its parts after a short wait, so kills land while inputs are in flight. */
const fanOutBuilder: Builder<DataPoint> = pipe(
  mergeMap((outcome: Outcome<DataPoint>) => of(outcome).pipe(delay(25))),
  mergeMap((outcome): Outcome<DataPoint>[] => {
    if (outcome.status !== 'accepted') return [outcome];
    const n = outcome.record['n'] as number;
    if (n % 7 === 6) return [rejected(outcome, [{ code: 'filtered', message: 'every seventh row', block: 'sevens' }])];
    const parts = Array.from({ length: (n % 3) + 1 }, (_, part): DataPoint => ({ task_name: 'rows', is_seed: false, n, part }));
    return fanOut(outcome, parts, 'split');
  }),
);

const seeds: Fields[] = Array.from({ length: 12 }, (_, index) => ({ question: `Seed question ${index}?`, answer: `Seed answer ${index}.` }));
const task =
  kind === 'generation'
    ? createTask({
        kind: 'generation',
        name: 'geo',
        seeds,
        builder: geographyQa({ generator: createEngine(createSimulated({ latencyMs: 20 }), { callLimit: 8, cacheSize: 0 }) }),
        numOutputsToGenerate: 2000,
        maxStalledAttempts: 10_000,
        outputDir,
        ledger,
        seed: 5,
      })
    : createTask({ kind: 'transformation', name: 'rows', data: transformationRows, builder: fanOutBuilder, concurrency: 8, outputDir, ledger });

print('ready');
task.run().subscribe({
  next: (record) => print(`record ${String(record['rxdgt_id'])} ${String(record['question'] ?? `${String(record['n'])}.${String(record['part'])}`)}`),
  error: (error: unknown) => print(`error ${error instanceof Error ? error.message : String(error)}`),
  complete: () => print('complete'),
});
