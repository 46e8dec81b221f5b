import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppendFile } from './append-file.ts';
import { readLines } from './jsonl-lines.ts';
import { taskFiles } from './task-layout.ts';
import type { TaskResult } from './task-result.ts';

/** One line of a task's `logs.jsonl`, DGT's structured log. */
export interface LogEntry {
  readonly timestamp: string;
  /** `INFO`, `WARNING` or `ERROR`, as DGT's Python levels. */
  readonly level: 'INFO' | 'WARNING' | 'ERROR';
  readonly message: string;
  /** A machine-readable event name, when the line marks one (`run_started`, `run_resumed`, `run_finished`). */
  readonly event?: string;
  readonly task_name: string;
  readonly build_id: string;
  readonly run_id: string;
  readonly [key: string]: unknown;
}

/** One line of `task_card.jsonl`: what ran, as DGT records it per run. */
export interface TaskCard {
  readonly task_name: string;
  readonly databuilder_name: string | undefined;
  readonly task_spec: unknown;
  readonly databuilder_spec: unknown;
  readonly build_id: string;
  readonly run_id: string;
  readonly save_formatted_output: boolean;
  readonly process_id: number;
  readonly [key: string]: unknown;
}

/**
 * A task's small JSONL files, common to every ledger: `task_results.jsonl` (one result per run), `task_card.jsonl`
 * (one card per run) and `logs.jsonl` (structured log lines). Appends are synchronous: a result written from a
 * teardown is on disk before the process can exit.
 */
export class TaskFiles {
  private readonly results: AppendFile;
  private readonly cards: AppendFile;
  private readonly logs: AppendFile;

  constructor(readonly dir: string) {
    this.results = new AppendFile(join(dir, taskFiles.results));
    this.cards = new AppendFile(join(dir, taskFiles.card));
    this.logs = new AppendFile(join(dir, taskFiles.logs));
  }

  writeResult(result: TaskResult): void {
    this.results.append(`${JSON.stringify(result)}\n`);
  }

  writeCard(card: TaskCard): void {
    this.cards.append(`${JSON.stringify(card)}\n`);
  }

  log(entry: LogEntry): void {
    this.logs.append(`${JSON.stringify(entry)}\n`);
  }

  /**
   * The run id of the last card with this build id, which a resumed run reuses (DGT: one run id per build across
   * resumes); undefined when there is none. The cards are streamed: one line per run, each with its specs.
   */
  async previousRunId(buildId: string): Promise<string | undefined> {
    const path = join(this.dir, taskFiles.card);
    if (!existsSync(path)) return undefined;
    let found: string | undefined;
    for await (const { text } of readLines(path)) {
      try {
        const card = JSON.parse(text) as Partial<TaskCard>;
        if (card.build_id === buildId && typeof card.run_id === 'string') found = card.run_id;
      } catch {
        // A foreign line says nothing about run ids.
      }
    }
    return found;
  }

  close(): void {
    this.results.close();
    this.cards.close();
    this.logs.close();
  }
}
