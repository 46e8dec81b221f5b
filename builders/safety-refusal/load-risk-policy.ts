import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { BuilderTask } from '../../lib/builder-registry.ts';
import { describeZodIssues } from '../../lib/config/zod-issue.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { describeFsCause } from '../../lib/errors/datastore-error.ts';

/** The task's `risk_policy` (DGT's `SafetyRefusalTask`): the policy file and, optionally, which of its risks. */
export const riskPolicyFieldSchema = z.strictObject({
  /** The policy YAML: absolute (DGT's `${DGT_DATA_DIR}/...`), or relative to the task's folder, then to the working directory. */
  path: z.string().min(1),
  /** The `risk` of the file to use. @default the file's first risk */
  risk: z.string().min(1).optional(),
});

/** A task's `risk_policy` field. */
export type RiskPolicyField = z.output<typeof riskPolicyFieldSchema>;

/** An id as DGT's policy files write it: `11`, `11.1` or a string. */
const idSchema = z.union([z.string(), z.number()]).nullish();
const textSchema = z.string().nullish();
const listSchema = z.array(z.string()).nullish();

/** DGT's policy file format (`data/public/safety/resources/policies/schema_v0.1.yaml`); other keys are ignored, as DGT does. */
const policyFileSchema = z.looseObject({
  risk_group: textSchema,
  risk_group_id: idSchema,
  description: textSchema,
  policy_version: idSchema,
  risks: z
    .array(
      z.looseObject({
        risk: z.string().min(1),
        risk_id: idSchema,
        description: textSchema,
        reason_denial: textSchema,
        short_reply_type: textSchema,
        exception: textSchema,
        policy: z.looseObject({ reply_cannot_contain: listSchema, reply_may_contain: listSchema }).nullish(),
      }),
    )
    .min(1, 'lists no risk: a policy file needs at least one entry under `risks`'),
});

/**
 * One risk of a policy file, flattened as DGT's `load_policy_metadata` returns it: what the prompts show
 * (`risk`, `reply_cannot_contain`, `reply_may_contain`), what Granite Guardian checks (`risk_description` and the
 * constraints) and what each record's `metadata` carries.
 */
export interface RiskPolicy {
  readonly risk: string;
  readonly risk_description: string;
  readonly risk_group: string;
  readonly risk_group_id: string | number;
  readonly risk_id: string | number;
  readonly reason_denial: string;
  readonly short_reply_type: string;
  readonly exception: string;
  readonly policy_version: string | number;
  readonly reply_cannot_contain: readonly string[];
  readonly reply_may_contain: readonly string[];
}

/**
 * Loads the risk a task's `risk_policy` names from its policy file (DGT's `SafetyRefusalTask._load_policy`): the
 * named `risk`, or the file's first. Missing values take DGT's defaults (`risk_group: unknown`, `risk_group_id: -1`,
 * `policy_version: v0.1`, `''` for texts, `[]` for lists).
 *
 * Stricter than DGT, which carries on with empty metadata: a file that is missing, not YAML, not of the policy format
 * (a `risks` list of entries with a `risk` name; texts and lists of texts where the format has them) or without
 * the named risk is a ConfigError naming the task file and `risk_policy.path` (or `risk_policy.risk`).
 *
 * ## Example
 * ```ts
 * // policy.yaml: { risk_group: fraud, risks: [{ risk: card_fraud, description: Requests to misuse payment cards, policy: { reply_cannot_contain: [card numbers] } }] }
 * loadRiskPolicy({ path: 'policy.yaml' }, task);
 * // { risk: 'card_fraud', risk_description: 'Requests to misuse payment cards', risk_group: 'fraud', risk_group_id: -1, risk_id: '',
 * //   reason_denial: '', short_reply_type: '', exception: '', policy_version: 'v0.1', reply_cannot_contain: ['card numbers'], reply_may_contain: [] }
 * ```
 * @throws {ConfigError} naming the task file and the field, for a policy file or risk that cannot be used
 */
export function loadRiskPolicy(field: RiskPolicyField, task: BuilderTask): RiskPolicy {
  const prefix = task.fieldPrefix === '' ? '' : `${task.fieldPrefix}.`;
  const where = { file: task.file, field: `${prefix}risk_policy.path` };
  // In the task's folder, or in DGT's data folder (`${DGT_DATA_DIR}/...`), never elsewhere.
  const path = task.resolvePath(field.path, where.field);
  const fail = (problem: string, cause?: unknown) => new ConfigError(`risk policy file ${path} ${problem}`, { ...where, cause });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw fail(`cannot be read: ${describeFsCause(error)}`, error);
  }
  let content: unknown;
  try {
    content = parse(text);
  } catch (error) {
    throw fail(`is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, error);
  }
  const parsed = policyFileSchema.safeParse(content);
  if (!parsed.success) {
    const [first] = describeZodIssues(parsed.error);
    const at = first && first.path.length > 0 ? `at \`${first.path.map(String).join('.')}\` ` : '';
    throw fail(`is not a risk policy: ${at}${first?.message ?? 'invalid'}`, parsed.error);
  }
  const file = parsed.data;
  const match = field.risk === undefined ? file.risks[0] : file.risks.find((entry) => entry.risk === field.risk);
  if (match === undefined) {
    const known = file.risks.map((entry) => `\`${entry.risk}\``).join(', ');
    throw new ConfigError(`risk \`${field.risk}\` is not in the risk policy file ${path} (its risks: ${known})`, { file: where.file, field: `${prefix}risk_policy.risk` });
  }
  return {
    risk: match.risk,
    risk_description: match.description ?? '',
    risk_group: file.risk_group ?? 'unknown',
    risk_group_id: file.risk_group_id ?? -1,
    risk_id: match.risk_id ?? '',
    reason_denial: match.reason_denial ?? '',
    short_reply_type: match.short_reply_type ?? '',
    exception: match.exception ?? '',
    policy_version: file.policy_version ?? 'v0.1',
    reply_cannot_contain: match.policy?.reply_cannot_contain ?? [],
    reply_may_contain: match.policy?.reply_may_contain ?? [],
  };
}
