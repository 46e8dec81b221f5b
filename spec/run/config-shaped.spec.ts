import { describe, expect, expectTypeOf, test } from 'vitest';
import { type ConfigShapedIssueCode, configShapedIssueCodes, isConfigShapedIssue } from '../../lib/run/config-shaped.ts';

describe('configShapedIssueCodes', () => {
  test('lists the codes that name a mistake in the pipeline', () => {
    expect(configShapedIssueCodes).toEqual(['dedupe_key_invalid', 'input_missing', 'input_not_text', 'output_map_failed', 'template_undefined']);
  });

  test('isConfigShapedIssue tells them from codes about the data', () => {
    for (const code of configShapedIssueCodes) expect(isConfigShapedIssue({ code, message: 'm', block: 'b' })).toBe(true);
    for (const code of ['duplicate', 'parse_failed', 'lm_call_failed', 'block_failed', 'invalid', '']) expect(isConfigShapedIssue({ code })).toBe(false);
  });

  test('narrows the code to the list', () => {
    const issue = { code: 'input_missing' as string, message: 'm', block: 'b' };
    if (isConfigShapedIssue(issue)) expectTypeOf(issue.code).toEqualTypeOf<ConfigShapedIssueCode>();
  });
});
