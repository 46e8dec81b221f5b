import type { RecordIssue } from '../record.ts';
import { type ConfigShapedIssueCode, isConfigShapedIssue } from './config-shaped.ts';

/**
 * Whether every input a run settled so far was rejected by one config-shaped issue (see `configShapedIssueCodes`)
 * of one block: while it `holds`, that issue (the first input's message) and how many inputs; once an input made a
 * record or was rejected otherwise, it no longer holds, for the rest of the run. Inputs lost to a failed LM call
 * neither extend nor break it: they say nothing about the configuration (`hasFailureRate` watches them).
 */
export type ConfigIssueStreak =
  | {
      readonly holds: true;
      readonly block: string;
      readonly code: ConfigShapedIssueCode;
      readonly message: string;
      readonly inputs: number;
    }
  | { readonly holds: false };

const broken: ConfigIssueStreak = { holds: false };

/**
 * The streak after one more settled input: `made` records (kept or beyond the target) and its rejections' issues.
 * `undefined` before the first input that counts.
 */
export function extendStreak(
  streak: ConfigIssueStreak | undefined,
  made: number,
  rejections: readonly { readonly issues: readonly RecordIssue[] }[],
): ConfigIssueStreak | undefined {
  if (streak?.holds === false) return streak;
  if (made > 0 || rejections.length === 0) return broken;
  if (rejections.every(({ issues }) => issues.some((issue) => issue.code === 'lm_call_failed'))) return streak;
  const first = streak ?? rejections[0]?.issues.find(isConfigShapedIssue);
  if (first === undefined) return broken;
  const same = rejections.every(({ issues }) => issues.some((issue) => issue.code === first.code && issue.block === first.block));
  if (!same) return broken;
  return { holds: true, block: first.block, code: first.code, message: first.message, inputs: (streak?.inputs ?? 0) + 1 };
}
