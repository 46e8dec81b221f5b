import { z } from 'zod';
import { ConfigError } from '../../errors/config-error.ts';
import { definedSettings } from '../defined-settings.ts';
import { defineEngineAdapter } from '../engine-adapter.ts';
import { type LlamaCppModel, createLlamaCpp } from './llama-cpp-model.ts';
import { checkLlamaCppParams } from './llama-cpp-request.ts';

/**
 * LM blocks of type `llama-cpp`: a GGUF file run in-process; `num_ctx` is the context of each sequence, `threads`,
 * `gpu` and `sequences` as in {@link createLlamaCpp}. `max_length` cuts completion prompts with the model's own
 * tokenizer, so `init_tokenizer` may only be `true`. There is no HTTP, so `default_headers` is refused.
 */
export const llamaCppBlock = defineEngineAdapter({
  types: ['llama-cpp'],
  fields: {
    num_ctx: z.number().int().min(64).optional(),
    threads: z.number().int().min(1).optional(),
    gpu: z.union([z.literal(false), z.literal('auto')]).optional(),
    sequences: z.number().int().min(1).optional(),
  },
  ownTokenizer: true,
  create: (config, common) => {
    if (typeof common.initTokenizer === 'string') {
      throw new ConfigError('llama-cpp: invalid config at `init_tokenizer`: expected true: the engine cuts prompts with the model\'s own tokenizer', { field: 'init_tokenizer' });
    }
    if (common.headers !== undefined) {
      throw new ConfigError('llama-cpp: invalid config at `default_headers`: not supported (the model runs in-process, without HTTP)', { field: 'default_headers' });
    }
    return createLlamaCpp({
      modelPath: common.modelId,
      ...definedSettings({ contextSize: config.num_ctx, threads: config.threads, gpu: config.gpu, sequences: config.sequences, maxLength: common.maxLength }),
    });
  },
  checkParams: checkLlamaCppParams,
  callLimit: (_config, model, callLimit) => Math.min(callLimit, (model as LlamaCppModel).sequences),
});
