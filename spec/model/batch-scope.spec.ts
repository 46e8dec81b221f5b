import { describe, expect, test } from 'vitest';
import { batchScopesWanted, currentBatchScope, wantBatchScopes, withinBatchScope } from '../../lib/model/batch-scope.ts';

describe('batch scopes', () => {
  test('no scope is entered until a batch model wants them; from then on, work sees its scope', async () => {
    const scope = { inputId: '0-ab12', journal: undefined, fail: () => undefined };
    expect(batchScopesWanted()).toBe(false);
    expect(withinBatchScope(scope, () => currentBatchScope())).toBeUndefined();
    wantBatchScopes();
    expect(batchScopesWanted()).toBe(true);
    expect(withinBatchScope(scope, () => currentBatchScope())).toBe(scope);
    expect(await withinBatchScope(scope, () => Promise.resolve().then(() => currentBatchScope()))).toBe(scope);
    expect(currentBatchScope()).toBeUndefined();
  });
});
