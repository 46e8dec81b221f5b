import { describe, expect, it } from 'vitest';
import { generationParamsSchema, paramBlockFields } from '../../lib/model/generation-params.ts';

describe('generationParamsSchema', () => {
  it('takes every parameter under its camelCase name, and drops the ones given as undefined', () => {
    const params = {
      topK: 40,
      frequencyPenalty: 0.5,
      presencePenalty: -0.5,
      logitBias: { '50256': -100 },
      logprobs: true,
      topLogprobs: 5,
      echo: false,
      skipSpecialTokens: false,
      reasoningEffort: 'high',
      extraBody: { priority: 1 },
      continuation: '\nA:',
      forceCache: true,
      responseFormat: { name: 'qa', schema: { type: 'object' } },
      jsonMode: true,
      tools: [{ type: 'function', function: { name: 'lookup', description: 'd', parameters: { type: 'object' }, strict: true } }],
      toolChoice: { type: 'function', function: { name: 'lookup' } },
    };
    expect(generationParamsSchema.parse({ ...params, temperature: undefined })).toEqual(params);
  });

  it('keeps vendor keys of a tool, and takes the three tool choices by name', () => {
    const tool = { type: 'function', function: { name: 'a-b_1', x_vendor: true }, cache_control: { type: 'ephemeral' } };
    expect(generationParamsSchema.parse({ tools: [tool], toolChoice: 'required' })).toEqual({ tools: [tool], toolChoice: 'required' });
  });

  it.each([
    [{ top_k: 40 }, 'unrecognized'],
    [{ topLogprobs: 21 }, 'topLogprobs'],
    [{ frequencyPenalty: 3 }, 'frequencyPenalty'],
    [{ logitBias: { word: 1 } }, 'logitBias'],
    [{ reasoningEffort: 'extreme' }, 'reasoningEffort'],
    [{ tools: [{ type: 'function', function: { name: 'has space' } }] }, 'tools'],
    [{ toolChoice: 'any' }, 'toolChoice'],
    [{ responseFormat: { name: 'q a', schema: {} } }, 'responseFormat'],
  ])('refuses %j', (value, problem) => {
    const result = generationParamsSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(problem);
  });

  it('names the block field of each parameter, DGT\'s spelling', () => {
    expect(paramBlockFields).toMatchObject({ topK: 'top_k', logitBias: 'logit_bias', jsonMode: 'response_format', toolChoice: 'tool_choice', maxTokens: 'max_tokens' });
  });
});
