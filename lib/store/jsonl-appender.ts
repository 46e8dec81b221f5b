import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

interface Pending {
  readonly text: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * An append-only JSONL file with group commit: lines appended while a write is running are written
 * together by the next write, so a busy task makes one `write` per burst, not one per record. Each
 * `append` resolves once its line is in the file (handed to the OS), in call order.
 */
export class JsonlAppender {
  private handle: Promise<FileHandle> | undefined;
  private pending: Pending[] = [];
  private writing = false;

  constructor(readonly path: string) {}

  append(value: unknown): Promise<void> {
    const text = `${JSON.stringify(value)}\n`;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ text, resolve, reject });
      void this.flush();
    });
  }

  /** Waits for every pending line, then closes the file. */
  async close(): Promise<void> {
    while (this.writing || this.pending.length > 0) await new Promise((resolve) => setImmediate(resolve));
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle).close();
  }

  private async flush(): Promise<void> {
    if (this.writing || this.pending.length === 0) return;
    this.writing = true;
    const batch = this.pending;
    this.pending = [];
    try {
      this.handle ??= mkdir(dirname(this.path), { recursive: true }).then(() => open(this.path, 'a'));
      const handle = await this.handle;
      await handle.write(batch.map((line) => line.text).join(''));
      for (const line of batch) line.resolve();
    } catch (error) {
      for (const line of batch) line.reject(error);
    } finally {
      this.writing = false;
    }
    void this.flush();
  }
}
