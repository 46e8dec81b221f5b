import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { describeFsCause } from '../errors/datastore-error.ts';
import { errorMessage } from '../error-message.ts';
import { startMonitor } from '../monitor/start-monitor.ts';

/** What `rxdgt monitor` serves. */
export interface MonitorCommandOptions {
  /** The output folder of the runs to show. */
  readonly outputDir: string;
  /** A telemetry folder with `traces.jsonl` (LM latencies). @default none */
  readonly telemetryDir?: string | undefined;
  /** The port on 127.0.0.1. @default 0 (any free port) */
  readonly port?: number | undefined;
  /** Stops the monitor when aborted, as SIGINT and SIGTERM do (for callers that embed the command). @default none */
  readonly signal?: AbortSignal | undefined;
}

/**
 * `rxdgt monitor <output_dir> [--port N]`: serves the monitor page of the runs under an output folder (finished,
 * crashed, or running in another process: the folders are read again every two seconds), prints its URL, and serves
 * until SIGINT or SIGTERM. Returns the exit code: 0 once stopped, 2 when the folder is missing or no folder, or the
 * port is in use.
 *
 * ## Example
 * ```ts
 * const code = await monitorCommand({ outputDir: 'output', port: 8123 }, process.stdout, process.stderr);
 * // prints "rxdgt: monitor of /work/output at http://127.0.0.1:8123/ (Ctrl-C to stop)"; 0 after Ctrl-C
 * ```
 */
export async function monitorCommand(options: MonitorCommandOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const outputDir = resolve(options.outputDir);
  let monitor;
  try {
    let isFolder: boolean;
    try {
      isFolder = statSync(outputDir).isDirectory();
    } catch (error) {
      throw new ConfigError(`cannot show the output folder: ${describeFsCause(error)}`, { file: outputDir, cause: error });
    }
    if (!isFolder) throw new ConfigError('cannot show the output folder: it is a file, not a folder', { file: outputDir });
    monitor = await startMonitor({ outputDir, telemetryDir: options.telemetryDir, port: options.port });
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    err.write(`rxdgt: ${errorMessage(error)}\n`);
    return 2;
  }
  out.write(`rxdgt: monitor of ${outputDir} at ${monitor.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((stop) => {
    const onStop = (): void => {
      process.off('SIGINT', onStop).off('SIGTERM', onStop);
      options.signal?.removeEventListener('abort', onStop);
      stop();
    };
    process.once('SIGINT', onStop).once('SIGTERM', onStop);
    if (options.signal?.aborted) onStop();
    else options.signal?.addEventListener('abort', onStop, { once: true });
  });
  await monitor.close();
  return 0;
}
