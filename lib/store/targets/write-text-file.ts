import { open } from 'node:fs/promises';

/** Characters gathered before one write: large writes are fast, and memory stays bounded whatever the total. */
const flushSize = 1 << 20;

/** Writes the chunks to `path` (created or truncated), in writes of about 1 MiB. */
export async function writeTextFile(path: string, chunks: AsyncIterable<string>): Promise<void> {
  const handle = await open(path, 'w');
  try {
    let pending = '';
    for await (const chunk of chunks) {
      pending += chunk;
      if (pending.length >= flushSize) {
        // `writeFile` on a handle writes at the current position and retries short writes until all is written.
        await handle.writeFile(pending);
        pending = '';
      }
    }
    if (pending !== '') await handle.writeFile(pending);
  } finally {
    await handle.close();
  }
}
