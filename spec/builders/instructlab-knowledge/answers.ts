/**
 * The scripted test models of `instructlab/knowledge`, shared by its end-to-end spec and the builders benchmark
 * (`spec/bench/builder-server-process.ts`): question-answer pairs in DGT's markers (one answer garbled), judges that
 * fail some pairs, Magpie tags, and the joint-config blocks pointing every LM block (and the dedup embedding) at a
 * test server.
 *
 * ## Example
 * ```ts
 * const server = await startTestServer({ respond: answers() });
 * writeFileSync('config.yaml', stringify({ databuilders: { [builder]: { blocks: blocks(server.baseURL) } } }));
 * ```
 */
import type { TestServerRequest } from '../../../lib/testing/test-server-options.ts';

/** The builder these answers play, as a joint config names it. */
export const builder = 'instructlab/knowledge';

/** The text of every message of a chat request, joined. */
const promptOf = (request: TestServerRequest): string => ((request.body?.messages ?? []) as { content?: unknown }[]).map((message) => String(message.content ?? '')).join('\n');

/** Which of the builder's models a request is for. */
export type Kind = 'generation' | 'faithfulness' | 'relevancy' | 'question_verification' | 'tag';

/** Tells the builder's models apart by their prompts. */
export function kindOf(request: TestServerRequest): Kind {
  const prompt = promptOf(request);
  if (prompt.startsWith('You write')) return 'generation';
  if (prompt.startsWith('Decide whether an answer is faithful')) return 'faithfulness';
  if (prompt.startsWith('Rate how relevant')) return 'relevancy';
  if (prompt.startsWith('Check a question')) return 'question_verification';
  return 'tag';
}

const tagAnswer = (prompt: string): string => {
  if (prompt.includes('"input_quality"')) return '{"explanation": "Clear.", "input_quality": "good"}';
  if (prompt.includes('"difficulty"')) return '{"intent": "learn", "knowledge": "astronomy", "difficulty": "easy"}';
  return '{"score": "5", "explanation": "Correct."}';
};

/**
 * A responder for one test server: generation call `n` writes two pairs (`Question n-a?`, `Question n-b?`), except
 * the second, which is garbled; the judges pass everything but `n-b` pairs (faithfulness says no) and `3-a`
 * (relevancy without a score line).
 */
export function answers(): (request: TestServerRequest) => string {
  let generations = 0;
  return (request) => {
    const prompt = promptOf(request);
    const kind = kindOf(request);
    if (kind === 'generation') {
      const n = generations++;
      if (n === 1) return 'I am not able to write questions today.';
      return `Question ${n}-a about the text?\n[Answer]\nAnswer ${n}-a.\n[End]\n\n[Question]\nQuestion ${n}-b about the text?\n[Answer]\nAnswer ${n}-b.\n[End]`;
    }
    if (kind === 'faithfulness') return /Question \d+-b/.test(prompt) ? 'It adds facts.\nAnswer: no' : 'All supported.\n**Answer:** yes';
    if (kind === 'relevancy') return prompt.includes('Question 3-a') ? 'Relevant enough, I suppose.' : 'On topic.\nTotal Score: 2/2';
    if (kind === 'question_verification') return 'Clear.\nRating: 1';
    return tagAnswer(prompt);
  };
}

/** The joint-config blocks pointing the generator, the validator, the tagger and the dedup embedding (`embed`) at `baseURL`. */
export function blocks(baseURL: string): Record<string, unknown>[] {
  const lm = { type: 'openai', base_url: baseURL, model_id_or_path: 'test-model', api_key: 'k', max_retries: 0 };
  return [
    { name: 'generator', ...lm },
    { name: 'validator', lm_config: lm },
    { name: 'tagger', lm_config: lm },
    { name: 'dedup', embedding_config: { ...lm, model_id_or_path: 'embed' } },
  ];
}
