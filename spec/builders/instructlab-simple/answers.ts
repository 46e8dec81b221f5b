/**
 * The scripted test model of `public/instructlab/simple`, shared by its end-to-end spec and the builders benchmark
 * (`spec/bench/builder-server-process.ts`): tasks in DGT's `* Task` layout, a garbled first answer and a repeated
 * third, and the joint-config block pointing the generator at a test server.
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
export const builder = 'public/instructlab/simple';

/** The first message of a chat request, or a legacy completion's prompt. */
export const promptOf = (request: TestServerRequest): string => request.body.messages?.[0]?.content ?? request.body.prompt;

/** One well-formed task, numbered `index`. */
export const good = (index: number) => `** Instruction\nWho reached the summit first on trip number ${index}?\n** Input\n<noinput>\n** Output\nAna reached it first on trip ${index}.\n`;

/**
 * A responder for one test server: the first call is garbled, the third repeats the first good task (the Rouge-L
 * postprocessor drops it), every other call writes a good task numbered by the call and a denylisted fourth.
 */
export function answers(): () => string {
  let call = 0;
  return () => {
    call += 1;
    if (call === 1) return 'I am not sure what you want.';
    // A repeat of the first good task: the Rouge-L postprocessor drops it.
    if (call === 3) return good(2);
    return `${good(call)}* Task 4\n** Instruction\nDraw a map of the route.\n** Input\n<noinput>\n** Output\nNo.\n`;
  };
}

/** The joint-config block pointing the generator at `baseURL`. */
export function blocks(baseURL: string): Record<string, unknown>[] {
  return [{ name: 'generator', type: 'openai', base_url: baseURL, model_id_or_path: 'test-model' }];
}

/** The spec's joint config in `dir`: {@link blocks}, the generator making one call at a time. */
export function jointConfig(dir: string, baseURL: string): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(path, stringify({ databuilders: { [builder]: { blocks: blocks(baseURL).map((block) => ({ ...block, call_limit: 1 })) } } }));
  return path;
}
