import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `url` until it answers 2xx; rejects once the child exits or the time is up, with `describe()`. */
export async function waitUntilReady(
  url: string,
  child: ChildProcess,
  options: { readonly timeoutMs: number; readonly intervalMs: number; readonly describe: () => string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ? `was killed by ${signal}` : `exited with code ${code}`));
  while (exited === undefined) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.max(1000, options.intervalMs)) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() >= deadline) throw new Error(`the server did not answer ${url} within ${options.timeoutMs} ms. ${options.describe()}`);
    await sleep(options.intervalMs);
  }
  throw new Error(`the server ${exited} before ${url} answered. ${options.describe()}`);
}

/** The command and the last lines it printed, for a startup error. */
export function startupProblem(command: readonly string[], output: readonly string[]): string {
  const tail = output.slice(-5).join(' | ');
  return `Command: ${command.join(' ')}${tail ? `. Last output: ${tail}` : ''}`;
}
