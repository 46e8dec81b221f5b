import { lastValueFrom } from 'rxjs';
import { geographyQa } from '../../builders/geography-qa/index.ts';
import { createEngine } from '../../lib/model/engine.ts';
import { runTasks } from '../../lib/run/run-tasks.ts';
import { type RunHooks, createTask } from '../../lib/run/task.ts';
import { RunTelemetry } from '../../lib/telemetry/run-telemetry.ts';
import { type FakeAnswers, FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';

const seeds = [
  { question: 'What is the capital of France?', answer: 'Paris.' },
  { question: 'Which river flows through Cairo?', answer: 'The Nile.' },
];

/** A run of geography tasks on a fake model. */
export interface TelemetryRunOptions {
  readonly outputDir: string;
  readonly answers: FakeAnswers;
  /** The tasks' names; several share the one engine (as the tasks of one builder do). @default ['geo'] */
  readonly tasks?: readonly string[];
  /** Records each task makes. @default 3 */
  readonly target?: number;
  /** Called before the run starts, to subscribe the readers under test to `telemetry.events`. */
  readonly read: (telemetry: RunTelemetry) => void;
  /** `RunTelemetryOptions.settledInputs`. @default true */
  readonly settledInputs?: boolean;
  /** Hooks the telemetry's own call in turn (as the CLI's live report). */
  readonly inner?: RunHooks;
}

/**
 * Runs geography tasks on a `FakeLanguageModel` as the CLI does, fed to a {@link RunTelemetry} (run id `run-1`, build
 * `exp`): `started`, the tasks' hooks, `watch` of the engine, then `finished('completed')`.
 */
export async function runWithTelemetry(options: TelemetryRunOptions): Promise<{ readonly telemetry: RunTelemetry; readonly model: FakeLanguageModel }> {
  const model = new FakeLanguageModel({ answers: options.answers });
  const generator = createEngine(model, { callLimit: 1, maxRetries: 0, cacheSize: 0 });
  const tasks = (options.tasks ?? ['geo']).map((name) =>
    createTask({ kind: 'generation', name, seeds, builder: geographyQa({ generator }), outputDir: options.outputDir, numOutputsToGenerate: options.target ?? 3, maxStalledAttempts: 20 }),
  );
  const telemetry = new RunTelemetry({ buildId: 'exp', runId: 'run-1', admissionEveryMs: 60_000, settledInputs: options.settledInputs });
  options.read(telemetry);
  telemetry.started(tasks);
  const watching = telemetry.watch(tasks, () => [generator]);
  await lastValueFrom(runTasks(tasks, { hooks: (task) => telemetry.hooks(task, options.inner) }), { defaultValue: undefined });
  watching.unsubscribe();
  telemetry.finished('completed');
  return { telemetry, model };
}
