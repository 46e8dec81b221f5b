import type { CallOptions, LanguageModel, ModelRequest, ModelResult } from '../model/language-model.ts';
import { countWords } from '../text/count-words.ts';

/** How a fake answers: one text for every call, one text per call in order, or a function of the request. */
export type FakeAnswers = string | readonly string[] | ((request: ModelRequest, index: number) => string | Promise<string>);

/** Settings of a {@link FakeLanguageModel}. */
export interface FakeLanguageModelOptions {
  /** The answers; an array is used one entry per call and throws once exhausted. */
  readonly answers?: FakeAnswers;
  /** Delay before each answer in ms; the call honours its abort signal meanwhile. @default 0 */
  readonly latencyMs?: number;
  /** Return an error to throw for this call instead of answering. */
  readonly fail?: (request: ModelRequest, index: number) => unknown;
  /** @default 'fake' */
  readonly provider?: string;
  /** @default 'fake-model' */
  readonly modelId?: string;
}

/**
 * An in-process language model for tests and benchmarks: answers from a script, records every request in
 * `calls`, and counts calls aborted before they answered. Without `answers`, every call throws
 * "not implemented".
 *
 * ## Example
 * ```ts
 * import { FakeLanguageModel } from 'rxdgt/testing';
 * const model = new FakeLanguageModel({ answers: (request, index) => `Question: Q${index}?\nAnswer: A${index}.` });
 * await model.doGenerate({ method: 'completion', prompt: 'go' }, { signal: new AbortController().signal });
 * // { texts: ['Question: Q0?\nAnswer: A0.'], ... }; model.calls.length === 1
 * ```
 */
let fakeCount = 0;

export class FakeLanguageModel implements LanguageModel {
  readonly specificationVersion = 'v1';
  readonly provider: string;
  readonly modelId: string;
  /** Unique per instance: fakes share no admission control (no credential, no endpoint in common). */
  readonly endpoint = `fake://in-process/${(fakeCount += 1)}`;
  /** Every request received, in order. */
  readonly calls: ModelRequest[] = [];
  /** Calls whose signal aborted before they answered. */
  aborted = 0;
  /** Calls currently waiting out their latency. */
  inFlight = 0;

  constructor(private readonly options: FakeLanguageModelOptions = {}) {
    this.provider = options.provider ?? 'fake';
    this.modelId = options.modelId ?? 'fake-model';
  }

  async doGenerate(request: ModelRequest, { signal }: CallOptions): Promise<ModelResult> {
    const index = this.calls.length;
    this.calls.push(request);
    const failure = this.options.fail?.(request, index);
    if (failure !== undefined) throw failure;
    if (this.options.latencyMs) await this.wait(this.options.latencyMs, signal);
    const count = request.n ?? 1;
    const texts: string[] = [];
    for (let choice = 0; choice < count; choice += 1) texts.push(await this.answer(request, index));
    const input = request.method === 'chat' ? request.messages.map((message) => message.content).join(' ') : request.prompt;
    return {
      texts,
      finishReason: 'stop',
      usage: { promptTokens: countWords(input), completionTokens: texts.reduce((sum, text) => sum + countWords(text), 0) },
    };
  }

  async probe(): Promise<void> {}

  private answer(request: ModelRequest, index: number): string | Promise<string> {
    const { answers } = this.options;
    if (answers === undefined) throw new Error('FakeLanguageModel: `answers` not implemented');
    if (typeof answers === 'string') return answers;
    if (typeof answers === 'function') return answers(request, index);
    const text = answers[index];
    if (text === undefined) throw new Error(`FakeLanguageModel: no answer scripted for call ${index}`);
    return text;
  }

  private wait(ms: number, signal: AbortSignal): Promise<void> {
    this.inFlight += 1;
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.inFlight -= 1;
        signal.removeEventListener('abort', onAbort);
      };
      const timeout = setTimeout(() => {
        done();
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timeout);
        done();
        this.aborted += 1;
        reject(signal.reason);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
