import { describe, expect, it } from 'vitest';
import { isCredentialName } from '../lib/credential-name.ts';
import { hasUrlUserinfo, redactUrl } from '../lib/redact-url.ts';

describe('redactUrl', () => {
  it('hides user and password of an http and an https URL', () => {
    expect(redactUrl('http://alice:s3cret@127.0.0.1:9/v1')).toBe('http://***@127.0.0.1:9/v1');
    expect(redactUrl('https://alice:s3cret@api.example.com/v1/models')).toBe('https://***@api.example.com/v1/models');
  });

  it('hides every URL of a longer text, and only the userinfo', () => {
    const text = 'cannot reach http://alice:s3cret@127.0.0.1:9/v1: Request cannot be constructed from a URL that includes credentials: http://alice:s3cret@127.0.0.1:9/v1/models.';
    expect(redactUrl(text)).toBe(
      'cannot reach http://***@127.0.0.1:9/v1: Request cannot be constructed from a URL that includes credentials: http://***@127.0.0.1:9/v1/models.',
    );
    expect(redactUrl('a https://bob:pw@one.example/x and "http://carol:pw2@two.example"')).toBe('a https://***@one.example/x and "http://***@two.example"');
  });

  it('hides a user name without a password', () => {
    expect(redactUrl('http://alice@127.0.0.1:9/v1')).toBe('http://***@127.0.0.1:9/v1');
  });

  it('hides up to the last @ of the authority, and any scheme', () => {
    expect(redactUrl('http://alice:p@ss@host/v1')).toBe('http://***@host/v1');
    expect(redactUrl('HTTPS://alice:s3cret@host')).toBe('HTTPS://***@host');
    expect(redactUrl('redis+tls://alice:s3cret@cache:6379')).toBe('redis+tls://***@cache:6379');
  });

  it('leaves text without userinfo unchanged', () => {
    for (const text of ['http://127.0.0.1:9/v1', 'https://api.openai.com/v1 answered 500: oops', 'no URL here', '', 'mail alice@example.com']) {
      expect(redactUrl(text)).toBe(text);
    }
  });

  it('does not take an @ in a path, a query, a fragment or a later word for userinfo', () => {
    for (const text of [
      'https://host/users/@alice/v1',
      'https://host?to=alice@example.com',
      'https://host#alice@x',
      'http://host:9/v1 failed; write to ops@example.com',
      'http://host\\alice@x',
    ]) {
      expect(redactUrl(text)).toBe(text);
    }
  });

  it('hides the value of every credential query parameter, keeping its name and the other parameters', () => {
    expect(redactUrl('https://h/v1?api-key=G')).toBe('https://h/v1?api-key=***');
    expect(redactUrl('https://h/v1?key=AIza123&alt=json')).toBe('https://h/v1?key=***&alt=json');
    expect(redactUrl('https://h/v1?page=2&token=abc')).toBe('https://h/v1?page=2&token=***');
    expect(redactUrl('https://h/cb?access_token=ya29.x&expires_in=3600')).toBe('https://h/cb?access_token=***&expires_in=3600');
    expect(redactUrl('https://acct.blob.core.windows.net/c/b?sv=2022-11-02&se=2030-01-01&sp=r&sig=AbC%2Bd%3D')).toBe(
      'https://acct.blob.core.windows.net/c/b?sv=2022-11-02&se=2030-01-01&sp=r&sig=***',
    );
    expect(redactUrl('https://h/login?user=alice&password=pw')).toBe('https://h/login?user=alice&password=***');
    expect(redactUrl('https://h/v1?apiKey=k1&client_secret=s&X-Amz-Signature=f00&X-Amz-Security-Token=t')).toBe(
      'https://h/v1?apiKey=***&client_secret=***&X-Amz-Signature=***&X-Amz-Security-Token=***',
    );
  });

  it('hides credential parameters in a fragment, after an HTML &amp;, nested in another value and percent-encoded', () => {
    expect(redactUrl('https://h/cb#access_token=abc&state=1')).toBe('https://h/cb#access_token=***&state=1');
    expect(redactUrl('<a href="https://h/v1?a=1&amp;key=abc">')).toBe('<a href="https://h/v1?a=1&amp;key=***">');
    expect(redactUrl('https://h/login?next=/cb?token=abc')).toBe('https://h/login?next=/cb?token=***');
    expect(redactUrl('https://h/v1?api%2Dkey=G')).toBe('https://h/v1?api%2Dkey=***');
  });

  it('hides both the userinfo and the query credentials of URLs quoted in a longer text, and a query without a scheme', () => {
    expect(redactUrl('request to https://bob:pw@host/v1?api-key=G failed: 401; retrying "http://h2/x?token=t2"')).toBe(
      'request to https://***@host/v1?api-key=*** failed: 401; retrying "http://h2/x?token=***"',
    );
    expect(redactUrl('GET /v1/models?key=G answered 403')).toBe('GET /v1/models?key=*** answered 403');
    expect(redactUrl('cannot read https://h/c?sig=AbC: 403 (see https://h/v1?token=t). Or https://h/v2?key=k, https://h/v3?key=k2;')).toBe(
      'cannot read https://h/c?sig=***: 403 (see https://h/v1?token=***). Or https://h/v2?key=***, https://h/v3?key=***;',
    );
  });

  it('leaves parameters that are not credentials, and empty credential values, unchanged', () => {
    for (const text of [
      'https://h/v1?page=2&q=token%20count',
      'https://h/v1?max_tokens=128&token_budget=9&dedup_key=id&keyword=a&monkey=b',
      'https://h/v1?key=&page=2',
      'https://h/v1?key=.',
      'https://h/v1?token',
      'https://h/users/@alice/v1?page=2',
      'is it? token=5, then & key = 3',
    ]) {
      expect(redactUrl(text)).toBe(text);
    }
  });

  it('scans a long text with many parameter starts and no value in one pass, and still finds the credential at its end', () => {
    const text = `https://h/${'?a&b;c#d'.repeat(50_000)}?${'x'.repeat(100_000)}&token=abc${'.'.repeat(100_000)}`;
    expect(redactUrl(text)).toBe(`https://h/${'?a&b;c#d'.repeat(50_000)}?${'x'.repeat(100_000)}&token=***${'.'.repeat(100_000)}`);
  });

  it('is idempotent', () => {
    const once = redactUrl('http://alice:s3cret@host/v1?api-key=G&sig=s');
    expect(once).toBe('http://***@host/v1?api-key=***&sig=***');
    expect(redactUrl(once)).toBe(once);
  });
});

describe('isCredentialName', () => {
  it('is true for names whose last word is a credential word, in any case and spelling', () => {
    for (const name of [
      'token', 'apiToken', 'accessToken', 'authToken', 'sessionToken', 'bearerToken', 'access_token', 'x-amz-security-token', 'TOKEN2',
      'secret', 'clientSecret', 'client_secret', 'CLIENT-SECRET',
      'password', 'db_password', 'passwd', 'passphrase', 'Authorization', 'Proxy-Authorization',
      'credential', 'credentials', 'awsCredentials', 'X-Amz-Credential', 'cookie', 'Set-Cookie', 'signature', 'X-Amz-Signature', 'sig',
    ]) {
      expect(isCredentialName(name), name).toBe(true);
    }
  });

  it('is true for key alone or after a credential qualifier, and for a qualifier glued to a credential word', () => {
    for (const name of [
      'key', 'Key', 'api_key', 'apiKey', 'APIKey', 'api-key', 'X-Api-Key', 'OPENAI_API_KEY', 'secretKey', 'secret_access_key', 'privateKey',
      'private_key', 'clientKey', 'authKey', 'accessKey', 'Ocp-Apim-Subscription-Key', 'apikey', 'accesstoken', 'clientsecret', 'secretkey',
    ]) {
      expect(isCredentialName(name), name).toBe(true);
    }
  });

  it('is false for counts of tokens, keys that are not credentials, and words that merely contain a credential word', () => {
    for (const name of [
      'max_tokens', 'maxTokens', 'num_tokens', 'tokens', 'token_budget', 'max_new_tokens', 'input_token_count', 'tokenizer',
      'dedup_key', 'dedupKey', 'cache_key', 'sort_key', 'key_field', 'keyword', 'keys', 'monkey', 'publicKey', 'primary_key',
      'input_map', 'base_url', 'model_id', 'author', 'apiary', 'Content-Type', 'q', 'se', '', '__',
    ]) {
      expect(isCredentialName(name), name).toBe(false);
    }
  });
});

describe('hasUrlUserinfo', () => {
  it('is true for a URL with a user, with or without password, and for a host written without a scheme', () => {
    expect(hasUrlUserinfo('http://alice:s3cret@127.0.0.1:9/v1')).toBe(true);
    expect(hasUrlUserinfo('https://alice@host')).toBe(true);
    expect(hasUrlUserinfo('alice:s3cret@gpu-box:11434')).toBe(true);
    expect(hasUrlUserinfo(' http://alice:s3cret@host ')).toBe(true);
  });

  it('is false without userinfo, an @ in the path or query included', () => {
    expect(hasUrlUserinfo('http://127.0.0.1:9/v1')).toBe(false);
    expect(hasUrlUserinfo('https://host/path@v2?to=a@b#c@d')).toBe(false);
    expect(hasUrlUserinfo('gpu-box:11434/x@y')).toBe(false);
    expect(hasUrlUserinfo('')).toBe(false);
  });
});
