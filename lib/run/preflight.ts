import { ConfigError } from '../errors/config-error.ts';
import { EngineUnreachableError } from '../errors/engine-unreachable-error.ts';
import type { RunEngine } from './prepare-run.ts';

/**
 * Checks that every distinct endpoint of the run answers HTTP at all, within `timeoutMs`, before any file
 * is written: an unreachable engine fails the run in seconds and leaves no half-written dataset.
 * @throws {EngineUnreachableError} naming the block and the endpoint tried
 */
export async function checkEngines(engines: readonly RunEngine[], timeoutMs = 5000): Promise<void> {
  const byEndpoint = new Map<string, RunEngine>();
  for (const entry of engines) if (!byEndpoint.has(entry.engine.model.endpoint)) byEndpoint.set(entry.engine.model.endpoint, entry);
  await Promise.all(
    [...byEndpoint.values()].map(async ({ block, engine }) => {
      try {
        await engine.probe(AbortSignal.timeout(timeoutMs));
      } catch (error) {
        // A bad setting found while starting (a GGUF that will not load, a missing package) is bad input, not a network problem.
        if (ConfigError.isInstance(error)) throw new ConfigError(`block \`${block}\`: ${error.message}`, { cause: error });
        throw new EngineUnreachableError({ block, provider: engine.model.provider, url: engine.model.endpoint, cause: networkCause(error) });
      }
    }),
  );
}

/** fetch hides the real reason (ECONNREFUSED, ENOTFOUND) in `cause`. */
function networkCause(error: unknown): unknown {
  const cause = (error as { cause?: unknown })?.cause;
  return cause instanceof Error ? cause : error;
}
