import { getEncoding } from 'js-tiktoken';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { engineFromBlock, engineTypes, isEngineBlock } from '../../lib/run/lm-block.ts';
import { configErrorFrom } from '../helpers/config-error-from.ts';
import { useTestServers } from '../helpers/test-servers.ts';

const where = { file: 'builders/geo/qa.yaml', field: 'blocks.0' };
const start = useTestServers();
const openai = { name: 'generator', type: 'openai', model_id_or_path: 'gpt-4o-mini', base_url: 'http://127.0.0.1:9/v1', api_key: 'k' };

/** The ConfigError `engineFromBlock` throws for `block`; fails the test when it throws nothing or something else. */
const configErrorOf = (block: Readonly<Record<string, unknown>>): ConfigError => configErrorFrom(() => engineFromBlock(block, where), 'engineFromBlock');

describe('engineFromBlock: the engine registry', () => {
  it('knows every DGT engine type, from the providers\' adapters', () => {
    expect([...engineTypes].sort()).toEqual(['anthropic', 'azure-openai', 'llama-cpp', 'ollama', 'openai', 'simulated', 'vllm-remote', 'vllm-server', 'watsonx']);
    expect(isEngineBlock({ type: 'vllm-remote' })).toBe(true);
    expect(isEngineBlock({ type: 'flatten' })).toBe(false);
  });

  it('ignores the fields of other engine types, even ill-typed, so a joint config can switch `type`; unknown fields are errors', () => {
    const engine = engineFromBlock({ ...openai, project_id: 'p', num_ctx: 4096, port: 'not a port', latency: -1, sequences: 2 }, where);
    expect(engine.model.provider).toBe('openai');
    const unknown = configErrorOf({ ...openai, tempreature: 0.5 });
    expect(unknown.field).toBe('blocks.0.tempreature');
    expect(unknown.message).toContain('unknown field');
  });

  it('checks the fields of the block\'s own type', () => {
    expect(configErrorOf({ name: 'g', type: 'vllm-server', model_id_or_path: 'm', port: 70_000 }).field).toBe('blocks.0.port');
    expect(configErrorOf({ name: 'g', type: 'llama-cpp', model_id_or_path: 'm.gguf', num_ctx: 16 }).field).toBe('blocks.0.num_ctx');
    expect(configErrorOf({ name: 'g', type: 'nope', model_id_or_path: 'm' }).field).toBe('blocks.0.type');
  });

  it('caps call_limit where the engine must (watsonx at 10)', () => {
    const engine = engineFromBlock({ name: 'g', type: 'watsonx', model_id_or_path: 'm', api_key: 'k', project_id: 'p', call_limit: 50 }, where);
    expect(engine.callLimit).toBe(10);
  });
});

describe('engineFromBlock: DGT generation fields', () => {
  it('maps each field onto GenerationParams', () => {
    const engine = engineFromBlock(
      {
        ...openai,
        top_k: 40,
        frequency_penalty: 0.5,
        presence_penalty: -0.5,
        logit_bias: { '50256': -100 },
        logprobs: 5,
        echo: true,
        skip_special_tokens: false,
        reasoning_effort: 'low',
        extra_body: { chat_template_kwargs: { thinking: true } },
        continuation: '\nA:',
        force_cache: true,
        response_format: { type: 'json_object' },
      },
      where,
    );
    expect(engine.params).toEqual({
      topK: 40,
      frequencyPenalty: 0.5,
      presencePenalty: -0.5,
      logitBias: { '50256': -100 },
      logprobs: true,
      topLogprobs: 5,
      echo: true,
      skipSpecialTokens: false,
      reasoningEffort: 'low',
      extraBody: { chat_template_kwargs: { thinking: true } },
      continuation: '\nA:',
      forceCache: true,
      jsonMode: true,
    });
  });

  it('takes response_format as OpenAI\'s json_schema dict, and logprobs as a flag with top_logprobs', () => {
    const schema = { type: 'object', properties: { q: { type: 'string' } } };
    const engine = engineFromBlock({ ...openai, response_format: { type: 'json_schema', json_schema: { name: 'qa', schema, strict: true } }, logprobs: true, top_logprobs: 3 }, where);
    expect(engine.params).toEqual({ responseFormat: { name: 'qa', schema }, logprobs: true, topLogprobs: 3 });
    expect(engineFromBlock({ ...openai, response_format: { type: 'text' }, logprobs: 0 }, where).params).toEqual({ logprobs: false });
    expect(configErrorOf({ ...openai, response_format: { type: 'xml' } }).field).toBe('blocks.0.response_format.type');
    expect(configErrorOf({ ...openai, reasoning_effort: 'extreme' }).field).toBe('blocks.0.reasoning_effort');
  });

  it.each([
    ['anthropic', { api_key: 'k', logprobs: true }, 'logprobs'],
    ['anthropic', { api_key: 'k', reasoning_effort: 'minimal' }, 'reasoning_effort'],
    ['azure-openai', { api_key: 'k', base_url: 'https://r.openai.azure.com', top_k: 5 }, 'top_k'],
    ['ollama', { logit_bias: { '1': 2 } }, 'logit_bias'],
    ['ollama', { echo: true }, 'echo'],
    ['watsonx', { api_key: 'k', project_id: 'p', skip_special_tokens: false }, 'skip_special_tokens'],
    ['llama-cpp', { extra_body: { a: 1 } }, 'extra_body'],
    ['llama-cpp', { default_headers: { 'x-a': 'b' } }, 'default_headers'],
  ])('a %s block refuses %j before any request, naming the block field', (type, fields, field) => {
    const error = configErrorOf({ name: 'gen', type, model_id_or_path: 'm', ...fields });
    expect(error.file).toBe(where.file);
    expect(error.field).toBe(`blocks.0.${field}`);
    expect(error.message).toMatch(new RegExp(`^builders/geo/qa\\.yaml: field \`blocks\\.0\\.${field}\`: block \`gen\`: ${type}: invalid config at \`${field}\``));
  });

  it('the simulated engine takes every field, so any block can be switched to it for a rehearsal', () => {
    const engine = engineFromBlock({ name: 'g', type: 'simulated', model_id_or_path: 'm', logprobs: true, logit_bias: { '1': 1 }, default_headers: { a: 'b' }, echo: true }, where);
    expect(engine.params).toMatchObject({ logprobs: true, echo: true });
  });
});

describe('engineFromBlock: requests on the wire', () => {
  it('sends the default headers and the block\'s parameters with every request; tools flow from the request', async () => {
    const server = await start({ respond: () => ({ toolCalls: [{ name: 'lookup', arguments: { city: 'Paris' } }] }) });
    const engine = engineFromBlock({ ...openai, base_url: server.baseURL, default_headers: { 'x-team': 'red' }, top_k: 40, extra_body: { priority: 1 } }, where);
    const tools = [{ type: 'function', function: { name: 'lookup' } }] as const;
    const result = await firstValueFrom(engine.call({ method: 'chat', messages: [{ role: 'user', content: 'Paris?' }], ...engine.params, tools }));
    const [request] = server.requests;
    expect(request?.headers['x-team']).toBe('red');
    expect(request?.body).toMatchObject({ top_k: 40, priority: 1, tools });
    expect(result.toolCalls).toEqual([[{ id: 'call_0', name: 'lookup', arguments: { city: 'Paris' } }]]);
  });
});

describe('engineFromBlock: init_tokenizer and max_length', () => {
  it('cuts a completion prompt (continuation included) to its last max_length − max_tokens tokens of the model\'s tiktoken encoding', async () => {
    const server = await start({ respond: () => 'ok' });
    const engine = engineFromBlock({ ...openai, base_url: server.baseURL, init_tokenizer: true, max_length: 12, max_tokens: 4 }, where);
    const prompt = 'The quick brown fox jumps over the lazy dog, again and again and again.';
    await firstValueFrom(engine.call({ method: 'completion', prompt, ...engine.params, continuation: ' Then' }));
    const encoding = getEncoding('o200k_base');
    const expected = encoding.decode(encoding.encode(`${prompt} Then`).slice(-8));
    expect(server.requests[0]?.body.prompt).toBe(expected);
    expect(encoding.encode(server.requests[0]?.body.prompt)).toHaveLength(8);
    // Chat is not cut, as in DGT.
    await firstValueFrom(engine.call({ method: 'chat', messages: [{ role: 'user', content: prompt }], ...engine.params }));
    expect(server.requests[1]?.body.messages).toEqual([{ role: 'user', content: prompt }]);
  });

  it('a named tiktoken encoding serves any model; a short prompt is sent whole', async () => {
    const server = await start({ respond: () => 'ok' });
    const engine = engineFromBlock({ ...openai, type: 'vllm-remote', model_id_or_path: 'ibm-granite/granite-3.3-8b-instruct', base_url: server.baseURL, init_tokenizer: 'cl100k_base', max_length: 100 }, where);
    await firstValueFrom(engine.call({ method: 'completion', prompt: 'Short.' }));
    expect(server.requests[0]?.body.prompt).toBe('Short.');
  });

  it('refuses a tokenizer that cannot be had, and max_length without a tokenizer, naming the field', () => {
    const unknown = configErrorOf({ ...openai, model_id_or_path: 'ibm-granite/granite-3.3-8b-instruct', init_tokenizer: true });
    expect(unknown.field).toBe('blocks.0.init_tokenizer');
    expect(unknown.message).toContain('cannot load Hugging Face tokenizers');
    expect(configErrorOf({ ...openai, init_tokenizer: 'bert-base' }).field).toBe('blocks.0.init_tokenizer');
    const bare = configErrorOf({ ...openai, max_length: 4096 });
    expect(bare.field).toBe('blocks.0.max_length');
    expect(bare.message).toContain('`init_tokenizer`');
    expect(configErrorOf({ name: 'g', type: 'llama-cpp', model_id_or_path: 'm.gguf', init_tokenizer: 'o200k_base' }).field).toBe('blocks.0.init_tokenizer');
  });

  it('init_tokenizer: false is no tokenizer', () => {
    expect(configErrorOf({ ...openai, init_tokenizer: false, max_length: 10 }).field).toBe('blocks.0.max_length');
  });
});
