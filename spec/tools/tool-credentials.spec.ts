import { describe, expect, test } from 'vitest';
import { authorizationOf, blankSecrets } from '../../lib/tools/tool-credentials.ts';

describe('authorizationOf', () => {
  test('a bearer token first, else Basic of user:password, else none', () => {
    expect(authorizationOf({ bearer_token: 'T0k3n', basic_auth: ['u', 'p'] })).toBe('Bearer T0k3n');
    expect(authorizationOf({ basic_auth: ['user', 'pass'] })).toBe(`Basic ${Buffer.from('user:pass').toString('base64')}`);
    expect(authorizationOf({})).toBeUndefined();
  });
});

describe('blankSecrets', () => {
  test("every secret of the config and URL credentials become ***; short values stay (they would blank words)", () => {
    const config = { bearer_token: 'tok-1234', basic_auth: ['admin', 'hunter22'], headers: { 'x-key': 'hdr-5678' }, env: { TOKEN: 'env-9999', DEBUG: '1' }, api_key: { value: 'api-0000' } };
    const said = 'tok-1234 admin hunter22 hdr-5678 env-9999 api-0000 1 at http://bob:pw@host/x';
    expect(blankSecrets(said, config)).toBe('*** *** *** *** *** *** 1 at http://***@host/x');
  });
});
