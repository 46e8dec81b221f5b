import { z } from 'zod';

const headersSchema = z.record(z.string(), z.string());
/** DGT's `basic_auth`: a `[user, password]` pair (a tuple in Python). */
const basicAuthSchema = z.tuple([z.string(), z.string()]);
const engineName = z.string().min(1).optional();

/** `type: file`: tools from a YAML or JSON file inside the task's folder (DGT's three file shapes). */
export const fileLoaderSchema = z.strictObject({ type: z.literal('file'), path: z.string().min(1), namespace: z.string().min(1).optional(), engine: engineName });

/** `type: inline`: tools written in the task. */
export const inlineLoaderSchema = z.strictObject({ type: z.literal('inline'), tools: z.array(z.unknown()), namespace: z.string().min(1).optional(), engine: engineName });

/** `type: rest`: one tool per operation of an OpenAPI 3 or Swagger 2 document (a file inside the task's folder, or a URL). */
export const restLoaderSchema = z.strictObject({
  type: z.literal('rest'),
  spec: z.string().min(1),
  namespace: z.string().min(1).optional(),
  base_url: z.string().url().optional(),
  bearer_token: z.string().min(1).optional(),
  basic_auth: basicAuthSchema.optional(),
  /** Accepted for DGT's configs; TLS certificates are always verified. */
  verify: z.union([z.boolean(), z.string()]).optional(),
  timeout: z.number().gt(0).default(10),
  operation_ids: z.array(z.string().min(1)).optional(),
  engine: engineName,
});

/** How rxdgt reaches an MCP server: a command it starts (stdio) or a URL (streamable HTTP). */
const mcpServerFields = {
  /** Streamable HTTP endpoint (`http://host:port/mcp`); DGT's `base_url` is taken as an alias. */
  url: z.string().url().optional(),
  base_url: z.string().url().optional(),
  /** A command that starts the server, spoken to over stdio. */
  command: z.string().min(1).optional(),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).optional(),
  /** The server's working folder, relative to the task's folder and inside it. @default the task's folder */
  cwd: z.string().min(1).optional(),
  bearer_token: z.string().min(1).optional(),
  basic_auth: basicAuthSchema.optional(),
  headers: headersSchema.optional(),
  /** Accepted for DGT's configs; TLS certificates are always verified. */
  verify: z.union([z.boolean(), z.string()]).optional(),
  /** Seconds to connect and to list or call tools. */
  timeout: z.number().gt(0).default(10),
};

/** `type: mcp`: the tools an MCP server lists. */
export const mcpLoaderSchema = z.strictObject({ type: z.literal('mcp'), namespace: z.string().min(1).optional(), engine: engineName, ...mcpServerFields });

/** The loader types DGT registers, by name. */
export const loaderSchemas = { file: fileLoaderSchema, inline: inlineLoaderSchema, rest: restLoaderSchema, mcp: mcpLoaderSchema } as const;

export type FileLoaderConfig = z.output<typeof fileLoaderSchema>;
export type InlineLoaderConfig = z.output<typeof inlineLoaderSchema>;
export type RestLoaderConfig = z.output<typeof restLoaderSchema>;
export type McpLoaderConfig = z.output<typeof mcpLoaderSchema>;
/** An MCP server's connection settings (an `mcp` loader's or engine's). */
export type McpServerConfig = Pick<McpLoaderConfig, 'url' | 'base_url' | 'command' | 'args' | 'env' | 'cwd' | 'bearer_token' | 'basic_auth' | 'headers' | 'timeout'>;
export type LoaderConfig = FileLoaderConfig | InlineLoaderConfig | RestLoaderConfig | McpLoaderConfig;

/** One of DGT's error-injection categories of the `lm` engine. */
export const errorCategorySchema = z.strictObject({
  type: z.enum(['network_error', 'unparseable_result', 'schema_violation']),
  probability: z.number().min(0).max(1),
  message: z.string().default('Tool execution failed'),
});
export type ErrorCategory = z.output<typeof errorCategorySchema>;

/** `type: lm`: an LM simulates each result (`lm_config` is an LM block config), with optional error injection. */
export const lmEngineSchema = z.strictObject({
  type: z.literal('lm'),
  lm_config: z.looseObject({ type: z.string().min(1) }),
  error_categories: z.array(errorCategorySchema).default([]),
  namespaces: z.array(z.string().min(1)).optional(),
});

/** `type: mcp`: calls go to the MCP server each tool was listed by (or to this engine's own server, when it names one). */
export const mcpEngineSchema = z.strictObject({ type: z.literal('mcp'), namespaces: z.array(z.string().min(1)).optional(), ...mcpServerFields, timeout: z.number().gt(0).default(30) });

/** `type: rest`: each call is an HTTP request to the tool's REST operation. */
export const restEngineSchema = z.strictObject({
  type: z.literal('rest'),
  bearer_token: z.string().min(1).optional(),
  basic_auth: basicAuthSchema.optional(),
  /** DGT's API key: a header (default) or query parameter `name` set to `value`. */
  api_key: z.strictObject({ name: z.string().min(1), value: z.string(), location: z.enum(['header', 'query']).default('header') }).optional(),
  headers: headersSchema.optional(),
  verify: z.union([z.boolean(), z.string()]).optional(),
  timeout: z.number().gt(0).default(30),
  namespaces: z.array(z.string().min(1)).optional(),
});

export const engineSchemas = { lm: lmEngineSchema, mcp: mcpEngineSchema, rest: restEngineSchema } as const;
export type LmEngineConfig = z.output<typeof lmEngineSchema>;
export type McpEngineConfig = z.output<typeof mcpEngineSchema>;
export type RestEngineConfig = z.output<typeof restEngineSchema>;

/** The task's `tools:` block, entries checked later by their `type`. */
export const toolsConfigSchema = z.strictObject({
  registry: z.array(z.looseObject({ type: z.string().min(1) })).min(1),
  engines: z.record(z.string().min(1), z.looseObject({ type: z.string().min(1) })).default({}),
  enrichments: z.array(z.looseObject({ type: z.string().min(1) })).default([]),
});
export type ToolsConfig = z.output<typeof toolsConfigSchema>;
