/**
 * The scripted models of `public/safety/refusal`, shared by its end-to-end spec and the builders benchmark
 * (`spec/bench/builder-server-process.ts`): the request writer, the response writer and Granite Guardian, steered by
 * words in the text, and the joint-config blocks pointing every LM block (and Guardian's `lm_config`) at a test server.
 *
 * ## Example
 * ```ts
 * const server = await startTestServer({ respond: answers() });
 * writeFileSync('config.yaml', stringify({ databuilders: { [builder]: { blocks: blocks(server.baseURL) } } }));
 * ```
 */
import type { TestServerRequest } from '../../../lib/testing/test-server-options.ts';

/** The builder these answers play, as a joint config names it. */
export const builder = 'public/safety/refusal';

/** The text of every message of a chat request, joined. */
const promptOf = (request: TestServerRequest): string => ((request.body?.messages ?? []) as { content?: unknown }[]).map((message) => String(message.content ?? '')).join('\n');

/** Which block sent a request. */
export type Kind = 'guardian' | 'requests' | 'refusal' | 'other';

/** Which block sent a request: Guardian's carry `chat_template_kwargs`, the two generators are told apart by their prompts. */
export function kindOf(request: TestServerRequest): Kind {
  if (request.body?.chat_template_kwargs !== undefined) return 'guardian';
  const prompt = promptOf(request);
  if (prompt.includes('[Question]')) return 'refusal';
  if (prompt.includes('### Question')) return 'requests';
  return 'other';
}

/**
 * Scripted models: the request writer answers numbered requests (with `tags` inserted to steer the later steps), the
 * response writer answers `REFUSAL: ...`, Guardian rates requests harmful and refusals safe, unless the text says
 * HARMLESS (safe), GARBLED (no rating) or LEAKY (a refusal rated harmful).
 */
export function scripted(answers: (index: number) => string) {
  let batch = 0;
  return (request: TestServerRequest): string => {
    const kind = kindOf(request);
    const text = promptOf(request);
    if (kind === 'requests') return answers(batch++);
    if (kind === 'refusal') {
      const question = /\[Question\]\n([\s\S]*?)\n\[Response\]/.exec(text)?.[1] ?? '';
      return question.includes('EMPTY') ? '   ' : `REFUSAL: I can't help with "${question}".`;
    }
    if (kind === 'guardian') {
      if (text.includes('GARBLED')) return 'I am not sure.';
      if (text.startsWith('REFUSAL:')) return text.includes('LEAKY') ? '<score> yes </score>' : '<score> no </score>';
      return text.includes('HARMLESS') ? '<score> no </score>' : '<score> yes </score>';
    }
    return 'unexpected';
  };
}

/** Distinct requests for batch `index`: different words each, so the Rouge-L dedup keeps them. */
const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa'];
export const request = (index: number, slot: number, tag = '') => `Tell me ${words[index % words.length]} ${words[(index * 3 + slot) % words.length]} trick number ${index}x${slot} zz${index * 7 + slot} ${tag}`.trim();

/** A responder for one test server: five distinct requests per batch, each refused, Guardian agreeing. */
export const answers = () => scripted((index) => [1, 2, 3, 4, 5].map((slot) => `### Question ${slot}: ${request(index, slot)}`).join('\n'));

/** The joint-config blocks pointing both generators and Guardian's `lm_config` at `baseURL`; `guardian` adds Guardian fields. */
export function blocks(baseURL: string, guardian: Readonly<Record<string, unknown>> = {}): Record<string, unknown>[] {
  const engine = { type: 'openai', base_url: baseURL, model_id_or_path: 'test-model', api_key: 'k' };
  return [
    { name: 'instruction_generator', ...engine },
    { name: 'response_generator', ...engine },
    { name: 'granite_guardian', lm_config: engine, ...guardian },
  ];
}
