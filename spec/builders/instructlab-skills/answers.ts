/**
 * The scripted test model of `instructlab/skills`, shared by its end-to-end spec and the builders benchmark
 * (`spec/bench/builder-server-process.ts`): the answers to each of the builder's prompts, some deliberately wrong,
 * and the joint-config blocks that point every LM block (and the dedup embedding) at a test server.
 *
 * ## Example
 * ```ts
 * const server = await startTestServer({ respond: answers() });
 * writeFileSync('config.yaml', stringify({ databuilders: { [builder]: { blocks: blocks(server.baseURL) } } }));
 * ```
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { TestServerRequest } from '../../../lib/testing/test-server-options.ts';

/** The builder these answers play, as a joint config names it. */
export const builder = 'instructlab/skills';

/** The first message of a chat request, or a legacy completion's prompt. */
export const promptOf = (request: TestServerRequest): string => request.body.messages?.[0]?.content ?? request.body.prompt ?? '';

/** Magpie's tags for every tagging task at once: each task reads its own label. */
const tags = (quality: string) => JSON.stringify({ input_quality: quality, score: '5', difficulty: 'easy', intent: 'debate', knowledge: 'rhetoric', primary_tag: 'Writing', explanation: 'fine' });

/** The test model: answers each of the builder's prompts (and the tagger's) in the format it asks for, some of them badly. */
export function model(request: TestServerRequest): string {
  const prompt = promptOf(request);
  if (prompt.includes('Put it between a line "[Start of Context]"')) {
    return prompt.includes('Me and my brother') ? 'Here is a passage, but I forgot the markers.' : '[Start of Context]\nThe dogs was barking all night, and nobody were sleeping.\n[End of Context]';
  }
  if (prompt.includes('new questions')) {
    return ['### Question 1: Argue that museums should be free.', '### Question 2: Argue that trains beat planes.', '### Question 3: Argue that recess should be longer.', '### Question 4: Argue that bees need protection.', '### Question 5: Argue that homework should be optional.'].join('\n');
  }
  if (prompt.includes('Does the question exercise')) {
    if (prompt.includes('trains beat planes')) return 'Rating: [[0]]';
    if (prompt.includes('recess')) return 'Looks fine to me.';
    return 'It fits the skill.\nRating: [[1]]';
  }
  if (prompt.startsWith('You are a helpful assistant.')) return prompt.includes('bees') ? 'Bees are nice.' : 'Friends, consider this carefully: it serves us all.';
  if (prompt.startsWith("You grade an assistant's answer")) return prompt.includes('Bees are nice.') ? 'Too thin.\nRating: [[1]]' : 'Clear and complete.\nRating: [[3]]';
  // The Magpie tagger: the homework question is rated poor, so the filter drops it.
  return tags(prompt.includes('homework should be optional') ? 'poor' : 'good');
}

/**
 * A responder for one test server, as the builders benchmark uses it: {@link model}, except that each batch of
 * questions ends in its own case number. The spec's five fixed questions would make every later batch a duplicate
 * that the dedup and filter postprocessors drop; numbered, the same deliberately wrong answers recur in every batch.
 */
export function answers(): (request: TestServerRequest) => string {
  let batch = 0;
  return (request) => {
    const text = model(request);
    if (!promptOf(request).includes('new questions')) return text;
    batch += 1;
    return text.replace(/^(### Question \d: .*)\.$/gm, `$1, case ${batch}.`);
  };
}

/** The joint-config blocks pointing the generator, the validator, the tagger and the dedup embedding at `baseURL`. */
export function blocks(baseURL: string): Record<string, unknown>[] {
  const lm = { type: 'openai', base_url: baseURL, model_id_or_path: 'test-model' };
  return [
    { name: 'generator', ...lm },
    { name: 'validator', lm_config: lm },
    { name: 'tagger', lm_config: lm },
    { name: 'dedup', embedding_config: lm },
  ];
}

/** The spec's joint config in `dir`: {@link blocks}, the generator making one call at a time. */
export function jointConfig(dir: string, baseURL: string): string {
  const path = join(dir, 'config.yaml');
  const [generator, ...rest] = blocks(baseURL);
  writeFileSync(path, stringify({ databuilders: { [builder]: { blocks: [{ ...generator, call_limit: 1 }, ...rest] } } }));
  return path;
}
