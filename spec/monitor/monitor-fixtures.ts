import { lastValueFrom } from 'rxjs';
import { geographyQa } from '../../builders/geography-qa/index.ts';
import { type Engine, createEngine } from '../../lib/model/engine.ts';
import { runTasks } from '../../lib/run/run-tasks.ts';
import { type Task, createTask } from '../../lib/run/task.ts';
import type { RunEvent } from '../../lib/telemetry/run-event.ts';
import { RunTelemetry } from '../../lib/telemetry/run-telemetry.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';

/**
 * A fake model's answers with rejections of two kinds: every 4th call an unparsable answer (`parse_failed` of the
 * generator), every 5th a question asked before (a `duplicate` of the dedupe), the rest new pairs.
 */
export function mixedAnswers(index: number): string {
  if (index % 4 === 3) return `no answer here <script>alert(${index})</script>`;
  if (index % 5 === 4) return 'Question: Which river flows through Budapest?\nAnswer: The Danube.';
  return `Question: Unique question ${index}?\nAnswer: Answer ${index}.`;
}

/** The geography QA task named `name` over a fake model, writing under `outputDir`, with its engine. */
export function geographyTask(outputDir: string, name: string, target: number, options: { latencyMs?: number; answers?: (index: number) => string } = {}): { task: Task; engine: Engine; model: FakeLanguageModel } {
  const answers = options.answers ?? mixedAnswers;
  const model = new FakeLanguageModel({ answers: (_request, index) => answers(index), latencyMs: options.latencyMs ?? 0 });
  const engine = createEngine(model, { callLimit: 4, cacheSize: 0 });
  const seeds = [
    { question: 'Which river flows through Budapest?', answer: 'The Danube.' },
    { question: 'What is the capital of Australia?', answer: 'Canberra.' },
  ];
  const task = createTask({ kind: 'generation', name, seeds, builder: geographyQa({ generator: engine }), numOutputsToGenerate: target, concurrency: 2, outputDir });
  return { task, engine, model };
}

/**
 * Runs the tasks to their end with a {@link RunTelemetry}, and returns every event of the run. With `finish: false`
 * the run's last event (`run_finished`, which completes the stream) is left to the caller.
 */
export async function runWithEvents(tasks: readonly { task: Task; engine: Engine }[], telemetry = new RunTelemetry({ admissionEveryMs: 5 }), options: { finish?: boolean } = {}): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  const collecting = telemetry.events.subscribe((event) => events.push(event));
  telemetry.started(tasks.map(({ task }) => task));
  const engines = new Map(tasks.map(({ task, engine }) => [task, [engine]]));
  const watching = telemetry.watch(
    tasks.map(({ task }) => task),
    (task) => engines.get(task) ?? [],
  );
  try {
    await lastValueFrom(runTasks(tasks.map(({ task }) => task), { hooks: (task) => telemetry.hooks(task) }), { defaultValue: undefined });
  } finally {
    watching.unsubscribe();
  }
  if (options.finish ?? true) telemetry.finished('completed');
  collecting.unsubscribe();
  return events;
}
