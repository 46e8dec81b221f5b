import { ConfigError } from '../../errors/config-error.ts';

/** The version rxdgt is tested with; the optional peer dependency that runs the `llama-cpp` engine. */
export const nodeLlamaCppVersion = '3.21.1';

export type NodeLlamaCpp = typeof import('node-llama-cpp');

function isMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes('node-llama-cpp');
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
    throw new ConfigError(
      `llama-cpp: the \`llama-cpp\` engine runs GGUF models through the optional package node-llama-cpp, which is not installed; install it with \`npm install node-llama-cpp@${nodeLlamaCppVersion}\``,
      { field: 'type', cause: error },
    );
  }
}
