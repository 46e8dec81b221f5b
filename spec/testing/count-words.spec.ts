import { firstValueFrom } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { createEngine } from '../../lib/model/engine.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import { countWords, countWordsInUtf8, utf8InScratch } from '../../lib/text/count-words.ts';
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

  test('counts characters, not bytes: non-ASCII letters, emoji, lone surrogates and a text longer than one counting slice', () => {
    // A no-break space is above U+0020: a word, as the counters have always read it.
    expect(countWords('é 中文 😀 \u00a0 x\u0000y')).toBe(6);
    expect(countWords('\ud800 \udc00\ud800')).toBe(2);
    // Two words straddling each slice boundary (16,384 UTF-16 units), one of them a split surrogate pair.
    const long = `${'a'.repeat(16_383)}😀b ${'c'.repeat(20_000)} ${'é'.repeat(20_000)}`;
    expect(countWords(long)).toBe(3);
    expect(countWords(`${' '.repeat(16_384)}x`)).toBe(1);
    expect(countWords(`${'word '.repeat(10_000)}`)).toBe(10_000);
  });

  test('counting bytes four at a time finds the word starts one at a time finds: any bytes, any start, any length', () => {
    const oneByOne = (bytes: Uint8Array): number => {
      let count = 0;
      for (let index = 0; index < bytes.length; index += 1) if (bytes[index]! > 32 && (index === 0 || bytes[index - 1]! <= 32)) count += 1;
      return count;
    };
    // The bytes around the edges: controls, space, the first word byte, the top of ASCII, and bytes of longer characters.
    const alphabet = [0, 9, 10, 31, 32, 33, 65, 126, 127, 128, 160, 195, 255];
    let state = 7;
    const next = (): number => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
    for (let round = 0; round < 5_000; round += 1) {
      const buffer = new Uint8Array(96);
      for (let index = 0; index < buffer.length; index += 1) buffer[index] = alphabet[Math.floor(next() * alphabet.length)]!;
      const start = Math.floor(next() * 8);
      const bytes = buffer.subarray(start, start + Math.floor(next() * 88));
      expect(countWordsInUtf8(bytes)).toBe(oneByOne(bytes));
    }
    const text = `${'Question: Where is Oslo?\n'.repeat(40)}Answer:  Norway. é 中文 😀`;
    expect(countWordsInUtf8(utf8InScratch(text)!)).toBe(oneByOne(new TextEncoder().encode(text)));
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
