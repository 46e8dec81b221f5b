import { describe, expect, it } from 'vitest';
import { EngineUnreachableError } from '../../lib/errors/engine-unreachable-error.ts';

describe('EngineUnreachableError', () => {
  it('names the block, the endpoint and the network reason', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:9');
    const error = new EngineUnreachableError({ block: 'generator', provider: 'openai', url: 'http://127.0.0.1:9/v1', cause });
    expect(error.message).toMatch(/^cannot reach the openai engine of block `generator` at http:\/\/127\.0\.0\.1:9\/v1: connect ECONNREFUSED 127\.0\.0\.1:9\. Start it/);
    expect(error.url).toBe('http://127.0.0.1:9/v1');
    expect(error.cause).toBe(cause);
    expect(EngineUnreachableError.isInstance(error)).toBe(true);
  });

  it('hides the user name and password of the endpoint, in the message and the url, and drops a cause that quotes them', () => {
    const cause = new TypeError('Request cannot be constructed from a URL that includes credentials: http://alice:s3cret@127.0.0.1:9/v1/models');
    const error = new EngineUnreachableError({ block: 'generator', provider: 'openai', url: 'http://alice:s3cret@127.0.0.1:9/v1', cause });
    expect(error.url).toBe('http://***@127.0.0.1:9/v1');
    expect(error.message).toContain('at http://***@127.0.0.1:9/v1: Request cannot be constructed from a URL that includes credentials: http://***@127.0.0.1:9/v1/models.');
    expect(error.message).not.toMatch(/alice|s3cret/);
    expect(error.cause).toBeUndefined();
  });
});
