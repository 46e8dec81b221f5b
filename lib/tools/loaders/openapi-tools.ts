import { type Tool, defaultNamespace } from '../tool.ts';

/** Tool metadata keys DGT's REST loader writes and its REST engine reads. */
export const restMetadataKeys = {
  baseUrl: 'rest_base_url',
  method: 'rest_method',
  path: 'rest_path',
  locations: 'rest_param_locations',
  /** rxdgt's: false when the base URL came from a fetched document and points at another origin than the document's. */
  trusted: 'rest_trusted',
} as const;

type Json = Record<string, unknown>;
const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows a local `$ref` (`#/components/schemas/Pet`, `#/definitions/Pet`) up to a few levels; other refs stay. */
function dereference(document: Json, value: unknown, depth = 0): unknown {
  if (!isObject(value) || typeof value['$ref'] !== 'string' || depth > 8) return value;
  const ref = value['$ref'];
  if (!ref.startsWith('#/')) return value;
  let target: unknown = document;
  for (const part of ref.slice(2).split('/')) target = isObject(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return target === undefined ? value : dereference(document, target, depth + 1);
}

/** The document's base URL: `servers[0].url` (OpenAPI 3, resolved against `documentUrl` when relative) or `scheme://host basePath` (Swagger 2). */
function baseUrlOf(document: Json, documentUrl: string | undefined): string {
  const servers = document['servers'];
  if (Array.isArray(servers) && isObject(servers[0]) && typeof servers[0]['url'] === 'string') {
    const url = servers[0]['url'];
    return (documentUrl && !/^[a-z]+:\/\//i.test(url) ? new URL(url, documentUrl).href : url).replace(/\/+$/, '');
  }
  const host = typeof document['host'] === 'string' ? document['host'] : '';
  if (!host) return '';
  const schemes = Array.isArray(document['schemes']) ? document['schemes'] : [];
  const scheme = typeof schemes[0] === 'string' ? schemes[0] : 'https';
  const basePath = typeof document['basePath'] === 'string' ? document['basePath'] : '';
  return `${scheme}://${host}${basePath}`.replace(/\/+$/, '');
}

/** Properties of a JSON body schema, with where each goes: spread as the tool's parameters, as DGT does. */
function bodyProperties(document: Json, schema: unknown): { properties: [string, unknown][]; required: string[] } {
  const resolved = dereference(document, schema);
  if (!isObject(resolved) || !isObject(resolved['properties'])) return { properties: [], required: [] };
  const required = Array.isArray(resolved['required']) ? resolved['required'].filter((name): name is string => typeof name === 'string') : [];
  return { properties: Object.entries(resolved['properties']).map(([name, property]) => [name, dereference(document, property)]), required };
}

/** The object schema of the operation's success response (200, 201 or 2XX, JSON), when it has one. */
function outputSchemaOf(document: Json, operation: Json): Json {
  const responses = isObject(operation['responses']) ? operation['responses'] : {};
  const success = dereference(document, responses['200'] ?? responses['201'] ?? responses['2XX']);
  if (!isObject(success)) return {};
  const content = isObject(success['content']) ? success['content'] : undefined;
  const schema = dereference(document, content ? (isObject(content['application/json']) ? content['application/json']['schema'] : undefined) : success['schema']);
  return isObject(schema) && (schema['type'] === 'object' || isObject(schema['properties'])) ? (dereference(document, schema) as Json) : {};
}

/**
 * The tools of an OpenAPI 3 or Swagger 2 document, one per operation (get, post, put, patch, delete) that takes at
 * least one parameter, as DGT's REST loader makes them: name = `operationId`, else `<method>_<path slug>`; description
 * = `summary`, else `description`; parameters = the path-item's and operation's parameters (the operation's win)
 * and the JSON body's properties; metadata = base URL, method, path template and each parameter's location
 * (`query`, `path`, `header`, `body`). Local `$ref`s are followed; the success response's object schema becomes the
 * output schema.
 *
 * ## Example
 * ```ts
 * toolsOfOpenApi(document, { namespace: 'petstore' }).map((tool) => tool.name); // ['findPets', 'addPet', 'getPet']
 * ```
 */
export function toolsOfOpenApi(
  document: Json,
  options: { readonly namespace?: string | undefined; readonly baseUrl?: string | undefined; readonly documentUrl?: string | undefined; readonly operationIds?: readonly string[] | undefined } = {},
): Tool[] {
  const baseUrl = options.baseUrl ? options.baseUrl.replace(/\/+$/, '') : baseUrlOf(document, options.documentUrl);
  const allowed = options.operationIds ? new Set(options.operationIds) : undefined;
  const paths = isObject(document['paths']) ? document['paths'] : {};
  const tools: Tool[] = [];
  for (const [path, pathItem] of Object.entries(paths)) {
    if (!isObject(pathItem)) continue;
    for (const method of methods) {
      const operation = pathItem[method];
      if (!isObject(operation)) continue;
      const operationId = typeof operation['operationId'] === 'string' ? operation['operationId'] : undefined;
      if (allowed && (operationId === undefined || !allowed.has(operationId))) continue;
      const merged = new Map<string, Json>();
      for (const list of [pathItem['parameters'], operation['parameters']]) {
        for (const entry of Array.isArray(list) ? list : []) {
          const parameter = dereference(document, entry);
          if (isObject(parameter) && typeof parameter['name'] === 'string') merged.set(parameter['name'], parameter);
        }
      }
      const properties: Json = {};
      const required: string[] = [];
      const locations: Record<string, string> = {};
      const addBody = (schema: unknown): void => {
        const body = bodyProperties(document, schema);
        for (const [name, property] of body.properties) {
          properties[name] = property;
          locations[name] = 'body';
        }
        for (const name of body.required) if (!required.includes(name)) required.push(name);
      };
      for (const [name, parameter] of merged) {
        const location = typeof parameter['in'] === 'string' ? parameter['in'] : 'query';
        if (location === 'body') {
          addBody(parameter['schema']);
          continue;
        }
        if (location === 'cookie') continue;
        // Swagger 2 writes the type on the parameter itself; OpenAPI 3 in its `schema`.
        const schema = isObject(parameter['schema']) ? (dereference(document, parameter['schema']) as Json) : Object.fromEntries(['type', 'format', 'enum', 'items', 'default'].filter((key) => key in parameter).map((key) => [key, parameter[key]]));
        properties[name] = { description: typeof parameter['description'] === 'string' ? parameter['description'] : '', ...(Object.keys(schema).length > 0 ? schema : { type: 'string' }) };
        locations[name] = location === 'formData' ? 'body' : location;
        if (parameter['required'] === true || (parameter['required'] === undefined && location === 'path')) required.push(name);
      }
      const requestBody = dereference(document, operation['requestBody']);
      if (isObject(requestBody) && isObject(requestBody['content']) && isObject(requestBody['content']['application/json'])) addBody(requestBody['content']['application/json']['schema']);
      if (Object.keys(properties).length === 0) continue;
      const slug = path.replace(/^\/+|\/+$/g, '').replace(/\//g, '_').replace(/[{}]/g, '');
      tools.push({
        name: operationId ?? (slug ? `${method}_${slug}` : method),
        namespace: options.namespace ?? defaultNamespace,
        description: (typeof operation['summary'] === 'string' && operation['summary']) || (typeof operation['description'] === 'string' ? operation['description'] : ''),
        parameters: { type: 'object', properties, ...(required.length > 0 ? { required } : {}) },
        outputParameters: outputSchemaOf(document, operation),
        metadata: { [restMetadataKeys.baseUrl]: baseUrl, [restMetadataKeys.method]: method.toUpperCase(), [restMetadataKeys.path]: path, [restMetadataKeys.locations]: locations },
      });
    }
  }
  return tools;
}
