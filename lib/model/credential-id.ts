import { createHash } from 'node:crypto';

/** A short, non-reversible id of an API key, for sharing admission control per credential; never the key. */
export function credentialId(apiKey: string | undefined): string | undefined {
  return apiKey ? createHash('sha256').update(apiKey).digest('hex').slice(0, 16) : undefined;
}
