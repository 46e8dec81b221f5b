import { Admission, type AdmissionConfig } from './admission.ts';

const registry = new Map<string, Admission>();

/**
 * The {@link Admission} of one credential and endpoint, created on first use and shared by every block that
 * passes the same `key` (say, `${credentialId(apiKey)}:${baseURL}`). A later call with a larger
 * `maxConcurrency` raises the cap; its other settings are ignored (see {@link Admission.join}).
 *
 * @throws ConfigError when the config is invalid, on the first call as on later ones.
 */
export function admissionFor(key: string, config: AdmissionConfig): Admission {
  const existing = registry.get(key);
  if (existing !== undefined) {
    existing.join(config);
    return existing;
  }
  const admission = new Admission(config);
  registry.set(key, admission);
  return admission;
}

/** Forgets every shared {@link Admission}, so that tests start clean. Requests already admitted go on. */
export function clearAdmissions(): void {
  registry.clear();
}
