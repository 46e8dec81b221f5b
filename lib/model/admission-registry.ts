import { Admission, type AdmissionConfig } from './admission.ts';
import type { SharedLimits } from './shared-limits.ts';

/** Makes the shared limits of one admission key (credential id and endpoint) from the config of its first block. */
export type SharedLimitsFactory = (key: string, config: AdmissionConfig) => SharedLimits;

const registry = new Map<string, Admission>();
let sharing: SharedLimitsFactory | undefined;

/**
 * The {@link Admission} of one credential and endpoint, created on first use and shared by every block that
 * passes the same `key` (say, `${credentialId(apiKey)}:${baseURL}`). A later call with a larger
 * `maxConcurrency` raises the cap, and one with a tighter `rpm` or `tpm` (or the first stated) paces the credential
 * from then on, unless the limits are shared (their store keeps the first block's rates); its other settings are
 * ignored (see {@link Admission.join}). After
 * {@link shareAdmissions}, an admission created here shares its limits with other processes.
 *
 * @throws ConfigError when the config is invalid, on the first call as on later ones.
 */
export function admissionFor(key: string, config: AdmissionConfig): Admission {
  const existing = registry.get(key);
  if (existing !== undefined) {
    existing.join(config);
    return existing;
  }
  const shared = config.shared ?? sharing?.(key, config);
  const admission = new Admission(shared === undefined ? config : { ...config, shared });
  registry.set(key, admission);
  return admission;
}

/**
 * Makes every admission this process creates from now on share its limits (buckets, cap, pauses, learned limits)
 * through `factory`, keyed by its admission key: a worker calls it once at start instead of threading the store
 * through every engine. Admissions created before keep theirs. `undefined` turns sharing off for later ones.
 *
 * ## Example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { redisSharedLimitsFactory, shareAdmissions } from 'rxdgt';
 * import { admissionFor } from './admission-registry.ts';
 * shareAdmissions(redisSharedLimitsFactory(new Redis('redis://127.0.0.1:6379')));
 * admissionFor('3f9a…@https://api.openai.com/v1', { maxConcurrency: 8, rpm: 600 });
 * // 600 requests a minute and 8 in flight over every worker that uses this key and Redis
 * ```
 */
export function shareAdmissions(factory: SharedLimitsFactory | undefined): void {
  sharing = factory;
}

/** Forgets every shared {@link Admission}, so that tests start clean. Requests already admitted go on. */
export function clearAdmissions(): void {
  registry.clear();
}
