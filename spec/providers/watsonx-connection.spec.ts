import { describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { parseConfig } from '../../lib/parse-config.ts';
import { watsonxConnection, watsonxSettingsSchema } from '../../lib/providers/watsonx/watsonx-connection.ts';
import { everythingOf, failureOf, useServers, useUnsetEnvironment } from '../helpers/provider-spec.ts';
import { startWatsonxEmbeddingsServer } from '../helpers/servers/watsonx-embeddings-server.ts';

useUnsetEnvironment(['WATSONX_API_KEY', 'WATSONX_API_TOKEN', 'WATSONX_PROJECT_ID', 'WATSONX_API_URL', 'WATSONX_IAM_URL']);
const start = useServers(startWatsonxEmbeddingsServer);
const signal = () => new AbortController().signal;

describe('watsonxSettingsSchema', () => {
  test('checks the shared fields before the model\'s own, and `_internal` last', () => {
    const schema = watsonxSettingsSchema({ extra: z.number().exactOptional() });
    expect(Object.keys(schema.shape)).toEqual(['modelId', 'apiKey', 'apiToken', 'projectId', 'apiUrl', 'iamUrl', 'apiVersion', 'timeoutMs', 'extra', '_internal']);
    expect(() => parseConfig('watsonx', schema, { modelId: 'm', apiVersion: 'May 2024', extra: 'x' })).toThrow(/invalid config at `apiVersion`/);
  });
});

describe('watsonxConnection', () => {
  test('no key (nor token) or no project is a ConfigError naming the field', () => {
    expect(() => watsonxConnection({ modelId: 'm', projectId: 'p' })).toThrow(expect.objectContaining({ name: 'ConfigError', field: 'api_key' }));
    expect(() => watsonxConnection({ modelId: 'm', apiKey: 'k' })).toThrow(expect.objectContaining({ name: 'ConfigError', field: 'project_id' }));
    expect(() => watsonxConnection({ modelId: 'm', apiKey: 'k' })).toThrow(ConfigError);
  });

  test('reads the environment, trims the origin, and gives the identity every watsonx model has', () => {
    vi.stubEnv('WATSONX_API_TOKEN', 'ready-token');
    vi.stubEnv('WATSONX_PROJECT_ID', 'env-project');
    const { projectId, apiUrl, identity } = watsonxConnection({ modelId: 'ibm/m', apiUrl: 'https://eu-de.ml.cloud.ibm.com//' });
    expect([projectId, apiUrl]).toEqual(['env-project', 'https://eu-de.ml.cloud.ibm.com']);
    expect(identity).toMatchObject({ specificationVersion: 'v1', provider: 'watsonx', modelId: 'ibm/m', endpoint: 'https://eu-de.ml.cloud.ibm.com' });
    expect(identity.credential).toMatch(/^[0-9a-f]{16}$/);
  });

  test('posts with the token, the extra headers and the version; an error shows no key or token', async () => {
    const server = await start({ fault: (index) => (index === 1 ? { status: 500 } : undefined) });
    const connection = watsonxConnection({ modelId: 'ibm/slate', apiKey: 'test-watsonx-key', projectId: 'test-project', apiUrl: server.url, iamUrl: server.url, headers: { 'x-team': 'secret-team' } });
    await connection.post('/ml/v1/text/embeddings', { inputs: ['a'], model_id: 'ibm/slate', project_id: 'test-project' }, signal());
    const [request] = server.apiRequests;
    expect(request?.headers).toMatchObject({ authorization: 'Bearer embed-token-1', 'x-team': 'secret-team' });
    expect(request?.query.get('version')).toBe('2024-05-01');
    const error = await failureOf(connection.post('/ml/v1/text/embeddings', { inputs: ['b'], model_id: 'ibm/slate', project_id: 'test-project' }, signal()));
    expect(everythingOf(error)).not.toMatch(/test-watsonx-key|embed-token-1/);
  });
});
