import { z } from 'zod';
import { definedSettings } from '../defined-settings.ts';
import { defineEngineAdapter } from '../engine-adapter.ts';
import { createVllmServer } from './vllm-server-model.ts';

/**
 * LM blocks of type `vllm-server`: a server rxdgt starts (`command`, `host`, `port`), waits for (`startup_timeout`,
 * `check_interval`, in seconds) and stops when the run ends. Requests are OpenAI's, as for `openai`.
 */
export const vllmServerBlock = defineEngineAdapter({
  types: ['vllm-server'],
  fields: {
    command: z.union([z.string().min(1).transform((line) => line.split(/\s+/)), z.array(z.string()).min(1)]).optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    startup_timeout: z.number().gt(0).default(600),
    check_interval: z.number().gt(0).default(1),
  },
  create: (config, common) =>
    createVllmServer({
      modelId: common.modelId,
      timeoutMs: common.timeoutMs,
      startupTimeoutMs: config.startup_timeout * 1000,
      checkIntervalMs: config.check_interval * 1000,
      ...definedSettings({ command: config.command, host: config.host, port: config.port, apiKey: common.apiKey, headers: common.headers }),
    }),
});
