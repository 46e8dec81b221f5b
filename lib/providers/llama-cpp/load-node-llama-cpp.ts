import { createRequire } from 'node:module';
import { ConfigError } from '../../errors/config-error.ts';

/** The version rxdgt is tested with; the optional peer dependency that runs the `llama-cpp` engine. */
export const nodeLlamaCppVersion = '3.21.1';

export type NodeLlamaCpp = typeof import('node-llama-cpp');

function isMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes('node-llama-cpp');
}

function notInstalled(cause: unknown): ConfigError {
  return new ConfigError(
    `llama-cpp: the \`llama-cpp\` engine runs GGUF models through the optional package node-llama-cpp, which is not installed; install it with \`npm install node-llama-cpp@${nodeLlamaCppVersion}\``,
    { field: 'type', cause },
  );
}

const require = createRequire(import.meta.url);

/**
 * Checks that `node-llama-cpp` is installed, without loading it: a `llama-cpp` block then fails when its task is
 * read (the block's wrapper names it), not at its first call.
 *
 * ## Example
 * ```ts
 * checkNodeLlamaCpp(); // throws when `npm install node-llama-cpp@3.21.1` is still to be run
 * ```
 *
 * @throws {ConfigError} telling how to install the package, when it is not installed
 */
export function checkNodeLlamaCpp(resolve: (name: string) => string = (name) => require.resolve(name)): void {
  try {
    resolve('node-llama-cpp');
  } catch (error) {
    // Anything else (a package that cannot be resolved from CommonJS, say) is left to the import to report.
    if (isMissing(error)) throw notInstalled(error);
  }
}

/**
 * Imports `node-llama-cpp` on first use, so rxdgt neither needs nor loads it (nor its ~700 MB of prebuilt
 * binaries) unless a `llama-cpp` engine runs.
 * @throws {ConfigError} telling how to install the package, when it is not installed
 */
export async function loadNodeLlamaCpp(importer: () => Promise<NodeLlamaCpp> = () => import('node-llama-cpp')): Promise<NodeLlamaCpp> {
  try {
    return await importer();
  } catch (error) {
    if (!isMissing(error)) throw error;
    throw notInstalled(error);
  }
}
