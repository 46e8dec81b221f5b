import { firstValueFrom } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { createEngine } from '../../lib/model/engine.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import { countWords } from '../../lib/text/count-words.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';
import { useTestServers } from '../helpers/test-servers.ts';

const start = useTestServers();

// Whitespace the old counters disagreed on: `\s` (the fake's split) takes the ideographic and em spaces as
// separators, the test server's character test did not.
const spaced = 'one\ttwo\u3000three\u2003four\nfive';

describe('countWords', () => {
  test('counts runs of non-whitespace', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('  \n ')).toBe(0);
    expect(countWords(' What is  the capital?\n')).toBe(4);
  });

  test('the fake model and the test server report the same usage for the same texts: one shared count', async () => {
    const server = await start({ respond: () => spaced });
    const overHttp = createEngine(createOpenAI({ baseURL: server.baseURL, modelId: 'test-model', apiKey: 'k' }));
    const inProcess = createEngine(new FakeLanguageModel({ answers: spaced }));
    const prompt = `prompt\u3000${spaced}`;
    const request = { method: 'completion', prompt } as const;
    const [http, fake] = await Promise.all([firstValueFrom(overHttp.call(request)), firstValueFrom(inProcess.call(request))]);
    expect(fake.usage).toEqual(http.usage);
    expect(http.usage).toEqual({ promptTokens: countWords(prompt), completionTokens: countWords(spaced) });
  });
});
