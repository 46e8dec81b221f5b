import { describe, expect, it } from 'vitest';
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

  it('is idempotent', () => {
    const once = redactUrl('http://alice:s3cret@host/v1');
    expect(redactUrl(once)).toBe(once);
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
