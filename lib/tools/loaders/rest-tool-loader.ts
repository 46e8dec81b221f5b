import { ConfigError } from '../../errors/config-error.ts';
import { errorMessage } from '../../error-message.ts';
import { redactUrl } from '../../redact-url.ts';
import type { RestLoaderConfig } from '../tools-config.ts';
import { authorizationOf, blankSecrets } from '../tool-credentials.ts';
import { restMetadataKeys, toolsOfOpenApi } from './openapi-tools.ts';
import { parseStructuredText, readStructuredFile } from './read-structured-file.ts';
import { namedFilePath } from '../../config/input-path.ts';
import type { LoaderPlace, ToolLoader } from './tool-loader.ts';

/** The document at `spec` when it is an http(s) URL, with the loader's credentials; errors never show them. */
async function fetchDocument(config: RestLoaderConfig, where: { file: string | undefined; field: string }): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json, application/yaml;q=0.9, */*;q=0.5' };
  const authorization = authorizationOf(config);
  if (authorization !== undefined) headers['authorization'] = authorization;
  let response: Response;
  try {
    response = await fetch(config.spec, { headers, signal: AbortSignal.timeout(config.timeout * 1000) });
  } catch (error) {
    throw new ConfigError(`cannot fetch the OpenAPI document ${redactUrl(config.spec)}: ${blankSecrets(errorMessage(error), config)}`, where);
  }
  if (!response.ok) throw new ConfigError(`the OpenAPI document ${redactUrl(config.spec)} answered HTTP ${response.status}`, where);
  const text = await response.text();
  const yaml = (response.headers.get('content-type') ?? '').includes('yaml') || /\.ya?ml(\?|$)/i.test(config.spec);
  return parseStructuredText(text, yaml ? 'yaml' : 'json', redactUrl(config.spec), where);
}

/**
 * DGT's `rest` loader: one tool per operation of an OpenAPI 3 or Swagger 2 document (`spec`: a file inside the task's
 * folder or an http(s) URL, fetched with `bearer_token` / `basic_auth`), routing metadata for the `rest` engine.
 *
 * ## Example
 * ```yaml
 * - type: rest
 *   spec: apis/petstore.yaml
 *   namespace: petstore
 *   engine: live
 * ```
 * @throws {ConfigError} (from `load`) naming the task file and `spec`: unreadable, unparseable, not an OpenAPI or
 *   Swagger document, or no operation with parameters; URLs in messages lose their credentials
 */
export function restToolLoader(config: RestLoaderConfig, place: LoaderPlace): ToolLoader {
  const where = { file: place.file, field: `${place.field}.spec` };
  const isUrl = /^https?:\/\//i.test(config.spec);
  return {
    type: 'rest',
    async load() {
      const document = isUrl
        ? await fetchDocument(config, where)
        : await readStructuredFile(namedFilePath(place, config.spec, where.field), config.spec, where);
      const shown = isUrl ? redactUrl(config.spec) : config.spec;
      if (typeof document !== 'object' || document === null || Array.isArray(document) || !('openapi' in document || 'swagger' in document)) {
        throw new ConfigError(`\`${shown}\` is not an OpenAPI 3 or Swagger 2 document (no \`openapi\` or \`swagger\` field)`, where);
      }
      const tools = toolsOfOpenApi(document as Record<string, unknown>, {
        namespace: config.namespace,
        baseUrl: config.base_url,
        documentUrl: isUrl ? config.spec : undefined,
        operationIds: config.operation_ids,
      });
      if (tools.length === 0) throw new ConfigError(`\`${shown}\` has no operation with parameters${config.operation_ids ? ' among `operation_ids`' : ''}: no tool to load`, where);
      // A fetched document that names its API on another origin chose where calls go, not the user: the engine sends
      // no credentials there unless the loader's `base_url` confirms it.
      return tools.map((tool) => ({ ...tool, metadata: { ...tool.metadata, [restMetadataKeys.trusted]: !isUrl || config.base_url !== undefined || sameOrigin(tool.metadata[restMetadataKeys.baseUrl], config.spec) } }));
    },
  };
}

/** Whether `url` (a string) has the origin of `other`. */
function sameOrigin(url: unknown, other: string): boolean {
  try {
    return typeof url === 'string' && new URL(url).origin === new URL(other).origin;
  } catch {
    return false;
  }
}
