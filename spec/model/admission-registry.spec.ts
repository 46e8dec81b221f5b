import { lastValueFrom, of } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import type { AdmissionConfig } from '../../lib/model/admission.ts';
import { admissionFor, clearAdmissions, shareAdmissions } from '../../lib/model/admission-registry.ts';
import type { SharedLimits } from '../../lib/model/shared-limits.ts';

/** Shared limits that grant everything and count their takes. */
function grantingLimits(takes: string[], name: string): SharedLimits {
  return {
    take: async () => {
      takes.push(name);
      return { granted: true, lease: `${name}-${takes.length}`, sequence: takes.length, startedAt: 0 };
    },
    release: async () => {},
    charge: async () => {},
    learn: async () => {},
    pause: async () => {},
    throttle: async () => false,
  };
}

describe('shareAdmissions: one switch makes every later admission of the process shared', () => {
  afterEach(() => {
    shareAdmissions(undefined);
    clearAdmissions();
  });

  test('admissions created after it get shared limits made for their key from their first config; joins make none', async () => {
    const made: [string, AdmissionConfig][] = [];
    const takes: string[] = [];
    shareAdmissions((key, config) => {
      made.push([key, config]);
      return grantingLimits(takes, key);
    });
    const admission = admissionFor('cred@https://example.test/v1', { maxConcurrency: 4, rpm: 600 });
    expect(admissionFor('cred@https://example.test/v1', { maxConcurrency: 8 })).toBe(admission);
    await lastValueFrom(admission.run(() => of('answer')));
    expect(made).toEqual([['cred@https://example.test/v1', { maxConcurrency: 4, rpm: 600 }]]);
    expect(takes).toEqual(['cred@https://example.test/v1']);
  });

  test('admissions created before it stay local; `undefined` turns it off for later ones; a config\'s own `shared` wins', async () => {
    const takes: string[] = [];
    const local = admissionFor('before', { maxConcurrency: 2 });
    shareAdmissions((key) => grantingLimits(takes, `factory ${key}`));
    const own = admissionFor('own', { maxConcurrency: 2, shared: grantingLimits(takes, 'own limits') });
    shareAdmissions(undefined);
    const after = admissionFor('after', { maxConcurrency: 2 });
    for (const admission of [local, own, after]) await lastValueFrom(admission.run(() => of('answer')));
    expect(takes).toEqual(['own limits']);
  });
});
