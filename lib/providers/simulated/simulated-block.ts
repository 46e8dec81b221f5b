import { z } from 'zod';
import { defineEngineAdapter } from '../engine-adapter.ts';
import { createSimulated } from './simulated-model.ts';

/**
 * LM blocks of type `simulated`: the offline engine of dry runs; `latency` is the delay before each answer, in ms.
 * It takes every parameter (and `default_headers`, which it has no request to send with) so that any block can be
 * switched to it for a rehearsal.
 */
export const simulatedBlock = defineEngineAdapter({
  types: ['simulated'],
  fields: { latency: z.number().min(0).default(0) },
  create: (config, common) => createSimulated({ modelId: common.modelId, latencyMs: config.latency }),
});
