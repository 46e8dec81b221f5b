/**
 * The tokenizer of DGT's `init_tokenizer`, for cutting prompts to `max_length`: a tiktoken encoding (js-tiktoken),
 * named or chosen by the model's name. Hugging Face tokenizers cannot be loaded (rxdgt has no `transformers` and
 * downloads nothing), so a model tiktoken does not know is an error rather than a silent guess.
 */
import { Tiktoken, type TiktokenBPE, type TiktokenEncoding, type TiktokenModel, getEncodingNameForModel } from 'js-tiktoken/lite';
import { ConfigError } from '../errors/config-error.ts';
import { lazily } from './lazily.ts';

/** Text to tokens and back. */
export interface Tokenizer {
  encode(text: string): number[];
  decode(tokens: number[]): string;
}

/** A tokenizer resolved by name, loaded (a few MB of ranks) on first use. */
export interface PromptTokenizer {
  /** The tiktoken encoding, e.g. `o200k_base`. */
  readonly encoding: TiktokenEncoding;
  load(): Promise<Tokenizer>;
}

const ranks: Readonly<Record<TiktokenEncoding, () => Promise<{ default: TiktokenBPE }>>> = {
  o200k_base: () => import('js-tiktoken/ranks/o200k_base'),
  cl100k_base: () => import('js-tiktoken/ranks/cl100k_base'),
  p50k_base: () => import('js-tiktoken/ranks/p50k_base'),
  p50k_edit: () => import('js-tiktoken/ranks/p50k_edit'),
  r50k_base: () => import('js-tiktoken/ranks/r50k_base'),
  gpt2: () => import('js-tiktoken/ranks/gpt2'),
};

/** Families newer than js-tiktoken's own list, by name prefix (a vendor prefix such as `openai/` aside). */
const families: readonly (readonly [RegExp, TiktokenEncoding])[] = [
  [/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|chatgpt-4o|o1|o3|o4)/, 'o200k_base'],
  [/^(gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002)/, 'cl100k_base'],
];

/** The encoding an encoding name or a model name stands for: js-tiktoken's list of models first, then the families. */
function encodingByName(name: string): TiktokenEncoding | undefined {
  if (name in ranks) return name as TiktokenEncoding;
  const bare = name.replace(/^[\w.-]+\//, '');
  try {
    return getEncodingNameForModel(bare as TiktokenModel);
  } catch {
    return families.find(([pattern]) => pattern.test(bare))?.[1];
  }
}

/**
 * Resolves `init_tokenizer` for a block: `true` takes the tokenizer of `modelId`, a string names a tiktoken encoding
 * (`o200k_base`, `cl100k_base`, `p50k_base`, `p50k_edit`, `r50k_base`, `gpt2`) or an OpenAI model. Naming an encoding
 * for another model's prompts is allowed: the cut is then approximate.
 *
 * ## Example
 * ```ts
 * promptTokenizer(true, 'gpt-4o-mini').encoding;                 // 'o200k_base'
 * promptTokenizer('cl100k_base', 'ibm-granite/granite-3.3-8b').encoding; // 'cl100k_base'
 * promptTokenizer(true, 'ibm-granite/granite-3.3-8b');           // throws ConfigError at `init_tokenizer`
 * ```
 * @throws {ConfigError} at `init_tokenizer` when no tiktoken encoding fits
 */
export function promptTokenizer(choice: true | string, modelId: string): PromptTokenizer {
  const name = choice === true ? modelId : choice;
  const encoding = encodingByName(name);
  if (encoding === undefined) {
    const what = choice === true ? `the model \`${modelId}\`` : `\`${choice}\``;
    throw new ConfigError(
      `invalid config at \`init_tokenizer\`: no tokenizer is known for ${what}: rxdgt tokenizes with tiktoken (OpenAI's encodings) and cannot load ` +
        'Hugging Face tokenizers; name an encoding instead (`init_tokenizer: o200k_base`, cl100k_base, p50k_base, r50k_base or gpt2), and the prompt is cut by its count',
      { field: 'init_tokenizer' },
    );
  }
  return {
    encoding,
    load: lazily(async (): Promise<Tokenizer> => {
      const tiktoken = new Tiktoken((await ranks[encoding]()).default);
      // Special-token text in a prompt counts as plain text, as it is sent.
      return { encode: (text) => tiktoken.encode(text, [], []), decode: (tokens) => tiktoken.decode(tokens) };
    }),
  };
}
