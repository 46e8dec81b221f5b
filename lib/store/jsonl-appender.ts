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
 *
 * A failed open is not kept: every append it fails rejects with the error, the next append tries again,
 * and `close()` still resolves.
 */
export class JsonlAppender {
  private handle: Promise<FileHandle> | undefined;
  private pending: Pending[] = [];
  /** Settles once every pending line is written (or has failed); undefined while idle. */
  private drained: Promise<void> | undefined;

  constructor(readonly path: string) {}

  append(value: unknown): Promise<void> {
    const text = `${JSON.stringify(value)}\n`;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ text, resolve, reject });
      this.drained ??= this.drain();
    });
  }

  /** Waits for every pending line, then closes the file. */
  async close(): Promise<void> {
    await this.drained;
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle).close();
  }

  // Writes batch after batch until nothing is pending. It always awaits before returning, so `drained` is set
  // by the time it clears it.
  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        const handle = await this.open();
        await handle.write(batch.map((line) => line.text).join(''));
        for (const line of batch) line.resolve();
      } catch (error) {
        for (const line of batch) line.reject(error);
      }
    }
    this.drained = undefined;
  }

  private async open(): Promise<FileHandle> {
    this.handle ??= mkdir(dirname(this.path), { recursive: true }).then(() => open(this.path, 'a'));
    try {
      return await this.handle;
    } catch (error) {
      this.handle = undefined;
      throw error;
    }
  }
}
