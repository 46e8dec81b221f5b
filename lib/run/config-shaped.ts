import type { RecordIssue } from '../record.ts';

/**
 * Issue codes that say the pipeline is wrong, not the record: a field name that is not there, a map that cannot be
 * written. One record rejected so may be bad data; every record rejected so is a mistake in the configuration, which
 * a task stops on (`isMisconfigured`) instead of spending its LM calls to make nothing.
 *
 * - `dedupe_key_invalid`: the text a dedupe compares cannot be read (its `key` names an absent field);
 * - `input_missing`: a block's required input is not found through its `input_map`;
 * - `input_not_text`: a block's input that must be text is not;
 * - `output_map_failed`: a block's output cannot be written where its `output_map` says;
 * - `template_undefined`: a prompt template names a variable the record lacks.
 */
export const configShapedIssueCodes = ['dedupe_key_invalid', 'input_missing', 'input_not_text', 'output_map_failed', 'template_undefined'] as const;

/** One of {@link configShapedIssueCodes}. */
export type ConfigShapedIssueCode = (typeof configShapedIssueCodes)[number];

const codes: ReadonlySet<string> = new Set(configShapedIssueCodes);

/**
 * Whether an issue says the pipeline's configuration is wrong (its code is one of {@link configShapedIssueCodes}).
 *
 * ## Example
 * ```ts
 * import { isConfigShapedIssue } from 'rxdgt';
 * isConfigShapedIssue({ code: 'dedupe_key_invalid', message: 'field `questoin` is undefined', block: 'dedup' }); // true
 * isConfigShapedIssue({ code: 'duplicate', message: 'exact duplicate of a kept record', block: 'dedup' }); // false
 * ```
 */
export function isConfigShapedIssue<Issue extends Pick<RecordIssue, 'code'>>(issue: Issue): issue is Issue & { readonly code: ConfigShapedIssueCode } {
  return codes.has(issue.code);
}
