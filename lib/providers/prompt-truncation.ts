import { ConfigError } from '../errors/config-error.ts';
import type { CallOptions, LanguageModel, ModelRequest, ModelResult } from '../model/language-model.ts';
import type { PromptTokenizer } from './prompt-tokenizer.ts';

type CompletionRequest = Extract<ModelRequest, { method: 'completion' }>;

/** Settings of {@link truncatingPrompts}. */
export interface PromptTruncationSettings {
  /** Tokens the prompt and the answer may take together (DGT's `max_length`). */
  readonly maxLength: number;
  readonly tokenizer: PromptTokenizer;
}

async function truncated(request: CompletionRequest, settings: PromptTruncationSettings): Promise<CompletionRequest> {
  const keep = settings.maxLength - (request.maxTokens ?? 0);
  if (keep < 1) {
    throw new ConfigError(`invalid config at \`max_length\`: ${settings.maxLength} leaves no room for the prompt after \`max_tokens\` ${request.maxTokens}`, {
      field: 'max_length',
    });
  }
  const { continuation, ...rest } = request;
  const text = request.prompt + (continuation ?? '');
  const tokenizer = await settings.tokenizer.load();
  const tokens = tokenizer.encode(text);
  return { ...rest, prompt: tokens.length <= keep ? text : tokenizer.decode(tokens.slice(-keep)) };
}

/**
 * The model, with every completion prompt (its `continuation` appended) cut from the left to its last
 * `maxLength − maxTokens` tokens before it is sent, as DGT does with `max_length` and a tokenizer. Chat requests pass
 * untouched, as in DGT. Everything else of the model (endpoint, probe, close, ...) is the model's own.
 *
 * ## Example
 * ```ts
 * const model = truncatingPrompts(createOpenAI({ modelId: 'gpt-4o-mini' }), { maxLength: 4096, tokenizer: promptTokenizer(true, 'gpt-4o-mini') });
 * await model.doGenerate({ method: 'completion', prompt: longText, maxTokens: 96 }, { signal }); // sends the last 4000 tokens
 * ```
 * @throws {ConfigError} from calls, at `max_length`, when `maxTokens` leaves no room for the prompt
 */
export function truncatingPrompts<Model extends LanguageModel>(model: Model, settings: PromptTruncationSettings): Model {
  const wrapped: Model = Object.create(model) as Model;
  const overrides: Pick<LanguageModel, 'doGenerate' | 'doGenerateBatch'> = {
    doGenerate: async (request: ModelRequest, options: CallOptions): Promise<ModelResult> =>
      model.doGenerate(request.method === 'completion' ? await truncated(request, settings) : request, options),
  };
  const batch = model.doGenerateBatch?.bind(model);
  if (batch) {
    overrides.doGenerateBatch = async (requests, options) => batch(await Promise.all(requests.map((request) => truncated(request, settings))), options);
  }
  // Own properties in front of the model's: getters such as vllm-server's `url` still read the live model.
  return Object.assign(wrapped, overrides);
}
