/**
 * The scripted generator of `core/conversation`, shared by its end-to-end spec and the builders benchmark
 * (`spec/bench/builder-server-process.ts`): each core stage answered in its format (the first scenario garbled, every
 * other hint not JSON), and the joint-config block pointing the generator at a test server.
 *
 * ## Example
 * ```ts
 * const server = await startTestServer({ respond: answers() });
 * writeFileSync('config.yaml', stringify({ databuilders: { [builder]: { blocks: blocks(server.baseURL) } } }));
 * ```
 */
import type { TestServerRequest } from '../../../lib/testing/test-server-options.ts';

/** The builder these answers play, as a joint config names it. */
export const builder = 'core/conversation';

/** The text of every message of a chat request, joined. */
const promptOf = (request: TestServerRequest): string => ((request.body?.messages ?? []) as { content?: unknown }[]).map((message) => String(message.content ?? '')).join('\n');

/** The name of the JSON schema a request asks its answer to follow, if any. */
export const formatOf = (request: TestServerRequest): string | undefined => request.body?.response_format?.json_schema?.name;

/** Answers each core stage in its format; the flow controller of the first conversation lists only an unknown pattern. */
export function responder(): (request: TestServerRequest, index: number) => string {
  let scenarios = 0;
  return (request, index) => {
    const prompt = promptOf(request);
    if (formatOf(request) === 'flow_controller') {
      if (prompt.includes('Scenario garbled.')) return '{"reasoning": "none fit", "eligible_patterns": ["made/up"]}';
      const turns = (prompt.match(/^User: /gm) ?? []).length;
      return JSON.stringify({ reasoning: 'ok', eligible_patterns: turns >= 2 ? ['small_talk/goodbye'] : ['small_talk/dig_deeper'] });
    }
    if (formatOf(request) === 'hint_generator') return index % 2 === 0 ? '{"hint": "Ask a follow-up about the details."}' : 'not json, just a hint';
    if (prompt.includes('Scenario:')) return scenarios++ === 0 ? 'Scenario garbled.' : `Scenario ${index}.`;
    if (prompt.startsWith('You play a person')) return `User message ${index}`;
    return `Assistant reply ${index}`;
  };
}

/** A responder for one test server: {@link responder}. */
export const answers = responder;

/** The joint-config block pointing the generator at `baseURL`. */
export function generatorBlock(baseURL: string): { readonly name: string } & Record<string, unknown> {
  return { name: 'generator', type: 'openai', base_url: baseURL, model_id_or_path: 'test-model' };
}

/** Every joint-config block the builder needs on a test server: {@link generatorBlock}. */
export function blocks(baseURL: string): Record<string, unknown>[] {
  return [generatorBlock(baseURL)];
}
