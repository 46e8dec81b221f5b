import { appendFileSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile as writeFileAsync } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataPoint, ModelUsage } from '../record.ts';
import { JsonlAppender } from './jsonl-appender.ts';
import { readJsonl } from './read-jsonl.ts';

/** One line of `task_results.jsonl`. */
export interface TaskResult {
  readonly task_name: string;
  readonly run_id: string;
  readonly build_id: string;
  readonly process_id: number;
  readonly status: 'running' | 'completed' | 'stalled' | 'time_elapsed' | 'budget_spent' | 'failed' | 'errored' | 'cancelled';
  readonly reason?: string;
  readonly message?: string;
  readonly start_time: string;
  readonly end_time?: string;
  readonly metrics?: Readonly<Record<string, number>>;
  /** LM usage by `<block>: <provider>/<model>`: calls, cached calls, tokens, cost in US dollars. */
  readonly usage_by_model?: Readonly<Record<string, ModelUsage>>;
}

/**
 * A task's files under `<output_dir>/<task_name>/`, in DGT's layout: `data.jsonl` (accepted records,
 * appended as they are made), `final_data.jsonl` (written when the task ends), `task_results.jsonl`,
 * `dataloader_state.jsonl` and `blocks/<block>.jsonl` (rejected records with their reasons).
 */
export class TaskStore {
  readonly data: JsonlAppender;
  private readonly blocks = new Map<string, JsonlAppender>();

  constructor(readonly dir: string) {
    this.data = new JsonlAppender(join(dir, 'data.jsonl'));
  }

  get dataPath(): string {
    return join(this.dir, 'data.jsonl');
  }

  get finalPath(): string {
    return join(this.dir, 'final_data.jsonl');
  }

  get resultsPath(): string {
    return join(this.dir, 'task_results.jsonl');
  }

  get dataloaderStatePath(): string {
    return join(this.dir, 'dataloader_state.jsonl');
  }

  blockPath(block: string): string {
    return join(this.dir, 'blocks', `${block}.jsonl`);
  }

  /** Removes everything an earlier run left (`--restart`). */
  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  readData(): Promise<DataPoint[]> {
    return readJsonl<DataPoint>(this.dataPath);
  }

  /** The seed position the last run reached, or 0. */
  async readSeedPosition(): Promise<number> {
    const states = await readJsonl<{ row_index?: number }>(this.dataloaderStatePath);
    return states.at(-1)?.row_index ?? 0;
  }

  appendRejected(block: string, line: unknown): Promise<void> {
    let appender = this.blocks.get(block);
    if (!appender) {
      appender = new JsonlAppender(this.blockPath(block));
      this.blocks.set(block, appender);
    }
    return appender.append(line);
  }

  /**
   * Writes a result line and the seed position synchronously: this also runs from a teardown, where the
   * process may exit right after (a `take(5)` that completes early).
   */
  writeResultSync(result: TaskResult, seedPosition: number | undefined): void {
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(this.resultsPath, `${JSON.stringify(result)}\n`);
    if (seedPosition !== undefined) appendFileSync(this.dataloaderStatePath, `${JSON.stringify({ row_index: seedPosition })}\n`);
  }

  /** Flushes every file and copies `data.jsonl` to `final_data.jsonl` (empty when no record was made). */
  async finish(): Promise<void> {
    await this.close();
    await mkdir(this.dir, { recursive: true });
    try {
      await copyFile(this.dataPath, this.finalPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await writeFileAsync(this.finalPath, '');
    }
  }

  /**
   * Copies `data.jsonl` to `final_data.jsonl` synchronously, for a teardown. Every record emitted is already
   * in `data.jsonl` (durable before visible), so nothing reported is missing from the copy.
   */
  finishSync(): void {
    mkdirSync(this.dir, { recursive: true });
    if (existsSync(this.dataPath)) copyFileSync(this.dataPath, this.finalPath);
    else writeFileSync(this.finalPath, '');
  }

  async close(): Promise<void> {
    await Promise.all([this.data.close(), ...[...this.blocks.values()].map((appender) => appender.close())]);
  }
}
