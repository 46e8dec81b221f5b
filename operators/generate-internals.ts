/**
 * The parts of `generate` that are not the stream: the request of a prompt, which failures are fatal, and, for
 * structured output, the response format sent with each request, the check of an answer against
 * the schema, the repair request that shows the model its problems, and the issues of a final failure.
 */
import { z } from 'zod';
import { describeZodIssues } from '../lib/config/zod-issue.ts';
import { errorMessage } from '../lib/error-message.ts';
import { ApiCallError } from '../lib/errors/api-call-error.ts';
import { ConfigError } from '../lib/errors/config-error.ts';
import { RetryError } from '../lib/errors/retry-error.ts';
import type { ChatMessage, GenerationParams, ModelRequest, ResponseFormat } from '../lib/model/language-model.ts';
import type { RecordIssue } from '../lib/record.ts';
import { extractJson } from '../lib/text/extract-json.ts';

/** The request of a built prompt: messages are joined into one prompt in completion mode; a string is one user message in chat mode. */
export function requestOf(
  built: string | readonly ChatMessage[],
  method: 'chat' | 'completion',
  shared: GenerationParams & Pick<ModelRequest, 'responseFormat'>,
): ModelRequest {
  if (method === 'completion') return { method, prompt: typeof built === 'string' ? built : built.map((message) => message.content).join('\n\n'), ...shared };
  return { method, messages: typeof built === 'string' ? [{ role: 'user', content: built }] : built, ...shared };
}

/** Statuses that no retry or later record can fix: the run must stop and say so. */
const fatalStatuses = new Set([401, 403]);

/** Whether a failed call must end the stream; a 401 after a retried 5xx arrives wrapped in a RetryError and is just as fatal. */
export function isFatal(error: unknown): boolean {
  const last = RetryError.isInstance(error) ? error.lastError : error;
  return ApiCallError.isInstance(last) && last.statusCode !== undefined && fatalStatuses.has(last.statusCode);
}

/** One thing wrong with an answer: a schema problem at `path` (`[]` is the whole value), or, without a path, no JSON at all. */
export interface AnswerProblem {
  readonly path?: readonly (string | number)[];
  readonly message: string;
}

/** An answer checked against the schema: the validated value, or every problem found. */
export type AnswerCheck = { readonly success: true; readonly data: unknown } | { readonly success: false; readonly problems: readonly AnswerProblem[] };

/**
 * The response format of a schema, computed once per operator. `$schema` is dropped: it names the dialect and
 * constrains nothing (Anthropic's SDK drops it too), and watsonx JSON mode shows the schema to the model as text.
 * @throws {ConfigError} when the schema has parts JSON Schema cannot express (transforms, dates), or when
 * `n > 1` asks for several answers, since one answer per record is validated and repaired.
 */
export function responseFormatFor(schema: z.ZodType, name: string, params: GenerationParams): ResponseFormat {
  if (params.n !== undefined && params.n > 1) {
    throw new ConfigError(`generate: invalid config at \`params.n\`: expected 1 with a \`schema\` (one answer per record is validated), received ${params.n}`, {
      field: 'params.n',
    });
  }
  let jsonSchema: Record<string, unknown>;
  try {
    jsonSchema = z.toJSONSchema(schema);
  } catch (error) {
    const hint = 'describe the JSON the model writes, and convert it in `toRecord`';
    throw new ConfigError(`generate: invalid config at \`schema\`: not expressible as JSON Schema (${errorMessage(error)}); ${hint}`, { field: 'schema', cause: error });
  }
  const { $schema: _dialect, ...rest } = jsonSchema;
  return { name, schema: rest };
}

/** Reads the answer's JSON leniently ({@link extractJson}) and validates it; a throwing refinement throws. */
export function checkAnswer(text: string, schema: z.ZodType): AnswerCheck {
  const json = extractJson(text);
  if (!json.success) return { success: false, problems: [{ message: `not JSON: ${json.error}` }] };
  const result = schema.safeParse(json.data);
  if (result.success) return { success: true, data: result.data };
  const problems = describeZodIssues(result.error).map((problem) => ({
    path: problem.path.map((key) => (typeof key === 'number' ? key : String(key))),
    message: problem.message,
  }));
  return { success: false, problems };
}

function lineOf(problem: AnswerProblem): string {
  return problem.path === undefined ? problem.message : `${problem.path.join('.') || '(root)'}: ${problem.message}`;
}

/**
 * The request that asks for a corrected answer: the conversation so far, the bad answer as the assistant's turn,
 * and a user turn listing the problems. A completion prompt gets the answer and the instruction appended.
 */
export function repairRequest(request: ModelRequest, answer: string, problems: readonly AnswerProblem[]): ModelRequest {
  const instruction = `Your answer is not valid:\n${problems.map(lineOf).join('\n')}\nAnswer again with the corrected JSON only, and no other text.`;
  if (request.method === 'completion') return { ...request, prompt: `${request.prompt}${answer}\n\n${instruction}\n\n` };
  return { ...request, messages: [...request.messages, { role: 'assistant', content: answer }, { role: 'user', content: instruction }] };
}

/** The issues of a record whose last answer still fails: code `schema_invalid`, one per problem. */
export function schemaIssues(problems: readonly AnswerProblem[], block: string): RecordIssue[] {
  return problems.map(({ path, message }) => ({ code: 'schema_invalid', message, block, ...(path === undefined ? {} : { path }) }));
}
