import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import type { LanguageModel, ModelRequest } from '../../lib/model/language-model.ts';
import { promptTokenizer } from '../../lib/providers/prompt-tokenizer.ts';
import { truncatingPrompts } from '../../lib/providers/prompt-truncation.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';

describe('promptTokenizer', () => {
  it.each([
    [true, 'gpt-4o-mini', 'o200k_base'],
    [true, 'openai/gpt-5.1', 'o200k_base'],
    [true, 'gpt-3.5-turbo-instruct', 'cl100k_base'],
    [true, 'text-davinci-003', 'p50k_base'],
    ['cl100k_base', 'ibm-granite/granite-3.3-8b-instruct', 'cl100k_base'],
    ['gpt-4o', 'my-proxy-model', 'o200k_base'],
  ] as const)('init_tokenizer %j for %s is %s', (choice, model, encoding) => {
    expect(promptTokenizer(choice, model).encoding).toBe(encoding);
  });

  it('a model tiktoken does not know is a ConfigError at init_tokenizer that says Hugging Face tokenizers cannot be loaded', () => {
    expect(() => promptTokenizer(true, 'ibm-granite/granite-3.3-8b-instruct')).toThrow(
      expect.objectContaining({ field: 'init_tokenizer', message: expect.stringContaining('cannot load Hugging Face tokenizers') }),
    );
    try {
      promptTokenizer('bert-base-uncased', 'm');
    } catch (error) {
      expect(ConfigError.isInstance(error)).toBe(true);
    }
  });

  it('loads the encoding once and counts special-token text as plain text', async () => {
    const tokenizer = promptTokenizer('cl100k_base', 'm');
    const loaded = await tokenizer.load();
    expect(await tokenizer.load()).toBe(loaded);
    const tokens = loaded.encode('a <|endoftext|> b');
    expect(tokens.length).toBeGreaterThan(3);
    expect(loaded.decode(tokens)).toBe('a <|endoftext|> b');
  });
});

describe('truncatingPrompts', () => {
  const signal = new AbortController().signal;
  const tokenizer = promptTokenizer('cl100k_base', 'm');

  it('cuts completion prompts from the left, continuation included; chat passes untouched; the model is otherwise the same', async () => {
    const fake = new FakeLanguageModel({ answers: 'ok' });
    const model: LanguageModel = truncatingPrompts(fake, { maxLength: 6, tokenizer });
    await model.doGenerate({ method: 'completion', prompt: 'one two three four five six', continuation: ' seven', maxTokens: 2 }, { signal });
    await model.doGenerate({ method: 'chat', messages: [{ role: 'user', content: 'one two three four five six seven' }] }, { signal });
    expect(fake.calls[0]).toEqual({ method: 'completion', prompt: ' four five six seven', maxTokens: 2 });
    expect(fake.calls[1]).toEqual({ method: 'chat', messages: [{ role: 'user', content: 'one two three four five six seven' }] });
    expect(model.endpoint).toBe(fake.endpoint);
  });

  it('refuses a max_tokens that leaves no room, at max_length', async () => {
    const model = truncatingPrompts(new FakeLanguageModel({ answers: 'ok' }), { maxLength: 6, tokenizer });
    const request: ModelRequest = { method: 'completion', prompt: 'p', maxTokens: 6 };
    await expect(model.doGenerate(request, { signal })).rejects.toSatisfy((error) => ConfigError.isInstance(error) && error.field === 'max_length');
  });
});
