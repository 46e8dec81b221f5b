import { describe, expect, it } from 'vitest';
import { errorMessage } from '../lib/error-message.ts';
import { ApiCallError } from '../lib/errors/api-call-error.ts';
import { RetryError } from '../lib/errors/retry-error.ts';

describe('errorMessage', () => {
  it('is the message of an Error, or the string of anything else', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('42');
  });

  it('hides the user name and password of any URL the message quotes', () => {
    const error = new TypeError('Request cannot be constructed from a URL that includes credentials: http://alice:s3cret@127.0.0.1:9/v1/chat/completions');
    expect(errorMessage(error)).toBe('Request cannot be constructed from a URL that includes credentials: http://***@127.0.0.1:9/v1/chat/completions');
    expect(errorMessage('request to https://bob:pw@host/v1 failed')).toBe('request to https://***@host/v1 failed');
  });

  it('hides the values of credential query parameters the message quotes, and keeps the others', () => {
    expect(errorMessage(new Error('GET https://h/v1/models?api-key=G&page=2 answered 401'))).toBe('GET https://h/v1/models?api-key=***&page=2 answered 401');
    expect(errorMessage(new Error('cannot read https://acct.blob/c?se=2030&sig=AbC%3D: 403'))).toBe('cannot read https://acct.blob/c?se=2030&sig=***: 403');
    expect(errorMessage('https://bob:pw@h/v1?token=t&q=token%20count failed')).toBe('https://***@h/v1?token=***&q=token%20count failed');
  });

  it('hides them in the message of a RetryError, the lm_call_failed issue of a call that failed on every try', () => {
    const attempt = new ApiCallError('request to http://alice:s3cret@127.0.0.1:9/v1 failed: fetch failed', { url: 'http://alice:s3cret@127.0.0.1:9/v1' });
    const message = errorMessage(new RetryError('max_retries_exceeded', [attempt, attempt]));
    expect(message).toBe('Failed after 2 attempts. Last error: request to http://***@127.0.0.1:9/v1 failed: fetch failed');
  });
});
