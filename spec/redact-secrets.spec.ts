import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../lib/redact-secrets.ts';

describe('redactSecrets', () => {
  it('hides the values of snake, kebab and camelCase credential keys, at any depth', () => {
    const spec = {
      api_key: 'sk-1',
      blocks: [{ apiToken: 't1', accessToken: 't2', clientSecret: 's1', secretKey: 's2', authToken: 't3', privateKey: 'p1' }],
      lm: { sessionToken: 't4', bearerToken: 't5', apiKey: 'k1', 'x-api-key': 'k2', password: 'pw', db_passwd: 'pw2', passphrase: 'pp' },
    };
    expect(redactSecrets(spec)).toEqual({
      api_key: '***',
      blocks: [{ apiToken: '***', accessToken: '***', clientSecret: '***', secretKey: '***', authToken: '***', privateKey: '***' }],
      lm: { sessionToken: '***', bearerToken: '***', apiKey: '***', 'x-api-key': '***', password: '***', db_passwd: '***', passphrase: '***' },
    });
  });

  it('hides credential header values in headers and default_headers mappings, whatever their letter case', () => {
    const spec = {
      headers: { Authorization: 'Bearer sk-1', 'X-Api-Key': 'k', 'Content-Type': 'application/json' },
      default_headers: { cookie: 'session=abc', 'Ocp-Apim-Subscription-Key': 'k2', 'X-Request-Id': 'r1' },
    };
    expect(redactSecrets(spec)).toEqual({
      headers: { Authorization: '***', 'X-Api-Key': '***', 'Content-Type': 'application/json' },
      default_headers: { cookie: '***', 'Ocp-Apim-Subscription-Key': '***', 'X-Request-Id': 'r1' },
    });
  });

  it('hides a credential value that is an object, an array or a number whole', () => {
    const spec = { credentials: { user: 'alice', id: 7 }, tokens_of: 1, api_keys: ['x'], token: ['a', 'b'], secret: { nested: { deep: 'x' } }, key: 12345 };
    expect(redactSecrets(spec)).toEqual({ credentials: '***', tokens_of: 1, api_keys: ['x'], token: '***', secret: '***', key: '***' });
  });

  it('keeps counts of tokens and keys that are not credentials', () => {
    const spec = {
      max_tokens: 128,
      maxTokens: 64,
      num_tokens: 3,
      tokens: 10,
      token_budget: 5000,
      dedup_key: 'id',
      key_field: 'question',
      keyword: 'math',
      monkey: 'business',
      input_map: { question: 'q' },
    };
    expect(redactSecrets(spec)).toEqual(spec);
  });

  it('keeps a null or missing credential as it is', () => {
    expect(redactSecrets({ api_key: null, token: undefined })).toEqual({ api_key: null, token: undefined });
  });

  it('hides URL credentials in every string: userinfo and credential query values, in arrays too', () => {
    const spec = {
      base_url: 'http://alice:s3cret@h:9/v1?api-key=G&page=2',
      endpoints: ['https://h/v1?access_token=a', 'https://acct.blob/c?se=2030&sig=AbC'],
      note: 'see https://host/users/@alice/v1?page=2&q=token%20count',
    };
    expect(redactSecrets(spec)).toEqual({
      base_url: 'http://***@h:9/v1?api-key=***&page=2',
      endpoints: ['https://h/v1?access_token=***', 'https://acct.blob/c?se=2030&sig=***'],
      note: 'see https://host/users/@alice/v1?page=2&q=token%20count',
    });
  });

  it('returns scalars other than strings unchanged, and does not change its input', () => {
    expect(redactSecrets(3)).toBe(3);
    expect(redactSecrets(null)).toBe(null);
    expect(redactSecrets(true)).toBe(true);
    const spec = { api_key: 'sk-1' };
    redactSecrets(spec);
    expect(spec).toEqual({ api_key: 'sk-1' });
  });

  it("an MCP server's basic_auth, password-like keys and every value of its env are hidden; its other settings are kept", () => {
    const tools = { engines: { hr: { type: 'mcp', command: 'node', basic_auth: ['alice', 's3cret'], db_pass: 'p', env: { DB_PASS: 'x', LEVEL: 'debug' }, timeout: 10 } } };
    expect(redactSecrets(tools)).toEqual({ engines: { hr: { type: 'mcp', command: 'node', basic_auth: '***', db_pass: '***', env: { DB_PASS: '***', LEVEL: '***' }, timeout: 10 } } });
  });
});
