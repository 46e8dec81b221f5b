/**
 * The scripted tagger of the `magpie` transformation builder, shared by its end-to-end spec and the builders
 * benchmark (`spec/bench/builder-server-process.ts`): good labels, a poor one, an unrated sample, and the
 * joint-config blocks pointing the tagger (and the dedup embedding) at a test server.
 *
 * ## Example
 * ```ts
 * const server = await startTestServer({ respond: answers() });
 * writeFileSync('config.yaml', stringify({ databuilders: { [builder]: { blocks: blocks(server.baseURL) } } }));
 * ```
 */
import type { TestServerRequest } from '../../../lib/testing/test-server-options.ts';

/** The builder these answers play, as a joint config names it. */
export const builder = 'magpie';

/** The text of every message of a chat request, joined. */
const promptOf = (request: TestServerRequest): string => ((request.body?.messages ?? []) as { content?: unknown }[]).map((message) => String(message.content ?? '')).join('\n');

/** A tagging task of the builder. */
export type Task = 'quality' | 'sample_quality' | 'difficulty';

/** Which tagging task a prompt asks for, by the JSON key it wants. */
export function taskOf(request: TestServerRequest): Task {
  const prompt = promptOf(request);
  if (prompt.includes('"input_quality"')) return 'quality';
  return prompt.includes('"difficulty"') ? 'difficulty' : 'sample_quality';
}

/** A tagger: good labels, a poor one for a vague request, and no score at all for the egg question. */
export function answer(request: TestServerRequest): string {
  const prompt = promptOf(request);
  switch (taskOf(request)) {
    case 'quality':
      return prompt.includes('tell me stuff') ? '{"explanation": "Vague.", "input_quality": "poor"}' : '```json\n{"explanation": "Clear.", "input_quality": "excellent"}\n```';
    case 'sample_quality':
      return prompt.includes('boil an egg') ? 'I would rather not rate this one.' : '{"score": 5, "explanation": "Right."}';
    case 'difficulty':
      return '{"intent": "learn", "knowledge": "general", "difficulty": "easy"}';
  }
}

/** A responder for one test server (this tagger keeps no state). */
export const answers = (): ((request: TestServerRequest) => string) => answer;

/** The joint-config block pointing the tagger at `baseURL`. */
export function taggerBlock(baseURL: string): Record<string, unknown> {
  return { name: 'tagger', lm_config: { type: 'openai', base_url: baseURL, model_id_or_path: 'test-model', api_key: 'k', max_retries: 0 } };
}

/** The tagger and the dedup block's `embedding_config` (the model RXDGT_EMBEDDINGS_URL defaults to), both at `baseURL`. */
export function blocks(baseURL: string): Record<string, unknown>[] {
  const embedding = { type: 'openai', base_url: baseURL, model_id_or_path: 'sentence-transformers/all-mpnet-base-v2', api_key: 'k' };
  return [taggerBlock(baseURL), { name: 'dedup', embedding_config: embedding }];
}
