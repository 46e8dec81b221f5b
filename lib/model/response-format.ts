/**
 * Structured output: the answer must be JSON matching this JSON Schema (draft 2020-12, as `z.toJSONSchema`
 * makes it). Each engine sends it in its own form (OpenAI `response_format: json_schema`, Ollama `format`,
 * Anthropic forced tool use, watsonx JSON mode, llama.cpp grammar); the answer text is the JSON.
 */
export interface ResponseFormat {
  /** A short identifier for the schema (letters, digits, `_`, `-`). */
  readonly name: string;
  readonly schema: Readonly<Record<string, unknown>>;
}
