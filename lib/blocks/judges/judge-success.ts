/**
 * The success criterion of `lm_judge`: DGT's `success_func` as a function (from code), or a small declarative rule
 * (from YAML) that reads the answer, or one JSON field of it, and tests it with `equals`, `pattern` or `min`/`max`.
 */
import { z } from 'zod';
import type { Fields } from '../../record.ts';
import { functionSchema } from '../../schemas.ts';
import { extractJson } from '../../text/extract-json.ts';
import { getField, missing, parseFieldPath } from '../../text/field-path.ts';
import type { BlockFields } from '../block-definition.ts';
import { quote } from './judge-internals.ts';

/**
 * DGT's `success_func`, from code: reads the judge's answer (and the block's inputs) and returns `true`/`false`,
 * DGT's `[valid, metadata]` pair, or `{ valid, reason?, metadata?, score? }`. Throwing counts as an unreadable answer.
 */
export type JudgeSuccessFunction = (
  answer: string,
  input: BlockFields,
) => boolean | readonly [boolean, Fields | null | undefined] | { readonly valid: boolean; readonly reason?: string; readonly metadata?: Fields; readonly score?: number };

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Whether `source` compiles as a regular expression, and how many capture groups it has (-1 when it does not compile). */
function groupsOf(source: string): number {
  try {
    return (new RegExp(`${source}|`).exec('')?.length ?? 1) - 1;
  } catch {
    return -1;
  }
}

const ruleSchema = z
  .strictObject({
    /** Reads the answer as JSON and tests this field of it (DGT path syntax: `verdict`, `scores[0]`); else the trimmed answer. */
    field: z.string().min(1).optional(),
    /** Valid when the value equals this (or one of these). */
    equals: z.union([scalar, z.array(scalar).min(1)]).optional(),
    /** Valid when the value matches this regular expression; with `min`/`max`, its first group is the score. */
    pattern: z.string().min(1).optional(),
    /** Valid when the score is at least this. */
    min: z.number().optional(),
    /** Valid when the score is at most this. */
    max: z.number().optional(),
    /** Letter case is ignored by `equals` and `pattern`. @default true */
    ignore_case: z.boolean().default(true),
  })
  .superRefine((rule, context) => {
    const scored = rule.min !== undefined || rule.max !== undefined;
    if ([rule.equals !== undefined, rule.pattern !== undefined && !scored, scored].filter(Boolean).length !== 1) {
      context.addIssue({ code: 'custom', message: 'give one test: `equals`, `pattern`, or `min`/`max` (with an optional `pattern` whose first group is the score)' });
    }
    if (rule.field !== undefined) {
      try {
        parseFieldPath(rule.field);
      } catch (error) {
        context.addIssue({ code: 'custom', path: ['field'], message: (error as Error).message });
      }
    }
    if (rule.pattern === undefined) return;
    const groups = groupsOf(rule.pattern);
    if (groups < 0) context.addIssue({ code: 'custom', path: ['pattern'], message: `not a valid regular expression: ${rule.pattern}` });
    else if (scored && groups === 0) context.addIssue({ code: 'custom', path: ['pattern'], message: 'with `min`/`max`, the pattern needs a group around the score, e.g. `score: (\\d+)`' });
  });

/** A declarative success rule, as YAML gives it. */
export type JudgeSuccessRule = z.output<typeof ruleSchema>;

/** `lm_judge`'s `success` field: a rule (YAML) or a function (code). */
export const successSchema = z.union([functionSchema<JudgeSuccessFunction>('expected a success rule or function'), ruleSchema]);

/** What a success criterion made of one answer. */
export type JudgeReading =
  | { readonly valid: true; readonly score?: number | undefined; readonly metadata?: Fields | undefined }
  | {
      readonly valid: false;
      readonly code: 'judge_rejected' | 'judge_unparseable';
      readonly reason: string;
      readonly score?: number | undefined;
      readonly metadata?: Fields | undefined;
    };

const unparseable = (reason: string): JudgeReading => ({ valid: false, code: 'judge_unparseable', reason });

/** The value a rule tests: the trimmed answer, or its JSON field; an unreadable answer is a reading of its own. */
function valueOf(rule: JudgeSuccessRule, answer: string): { readonly value: unknown } | JudgeReading {
  if (rule.field === undefined) return { value: answer.trim() };
  const json = extractJson(answer);
  if (!json.success) return unparseable(`the judge's answer is not JSON (${json.error}): ${quote(answer)}`);
  let value: unknown;
  try {
    value = getField(json.data, rule.field, { strict: false });
  } catch {
    value = missing;
  }
  return value === missing ? unparseable(`the judge's answer has no field \`${rule.field}\`: ${quote(answer)}`) : { value };
}

const textOf = (value: unknown): string => (typeof value === 'string' ? value.trim() : JSON.stringify(value));

/** Applies a declarative rule to an answer. */
function readRule(rule: JudgeSuccessRule, answer: string): JudgeReading {
  const read = valueOf(rule, answer);
  if (!('value' in read)) return read;
  const text = textOf(read.value);
  const fold = (value: string) => (rule.ignore_case ? value.toLowerCase() : value);
  const regex = rule.pattern === undefined ? undefined : new RegExp(rule.pattern, rule.ignore_case ? 'i' : '');
  if (rule.equals !== undefined) {
    const wanted = Array.isArray(rule.equals) ? rule.equals : [rule.equals];
    if (wanted.some((target) => fold(String(target)) === fold(text))) return { valid: true };
    return { valid: false, code: 'judge_rejected', reason: `the judge answered ${quote(text)}, not ${wanted.map((target) => quote(String(target))).join(' or ')}` };
  }
  const match = regex?.exec(text);
  if (rule.min === undefined && rule.max === undefined) {
    return match ? { valid: true } : { valid: false, code: 'judge_rejected', reason: `the judge's answer ${quote(text)} does not match /${rule.pattern}/` };
  }
  if (regex && !match) return unparseable(`the judge's answer has no score matching /${rule.pattern}/: ${quote(text)}`);
  const raw = match ? match[1] : read.value;
  const score = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(score)) return unparseable(`the judge's score is not a number: ${quote(textOf(raw ?? ''))}`);
  if ((rule.min !== undefined && score < rule.min) || (rule.max !== undefined && score > rule.max)) {
    const range = [rule.min !== undefined && `at least ${rule.min}`, rule.max !== undefined && `at most ${rule.max}`].filter(Boolean).join(' and ');
    return { valid: false, code: 'judge_rejected', reason: `the judge scored ${score}, which is not ${range}`, score };
  }
  return { valid: true, score };
}

/** Applies a success function; anything but its three answer shapes is an error. */
function readFunction(success: JudgeSuccessFunction, answer: string, input: BlockFields): JudgeReading {
  const output = success(answer, input);
  if (typeof output === 'boolean') return output ? { valid: true } : { valid: false, code: 'judge_rejected', reason: `the success function rejected the judge's answer ${quote(answer)}` };
  if (Array.isArray(output) && output.length === 2 && typeof output[0] === 'boolean') {
    const [valid, metadata] = output as readonly [boolean, Fields | null | undefined];
    const extra = metadata ?? undefined;
    if (valid) return { valid: true, metadata: extra };
    const reason = typeof extra?.['reason'] === 'string' ? extra['reason'] : `the success function rejected the judge's answer ${quote(answer)}`;
    return { valid: false, code: 'judge_rejected', reason, metadata: extra };
  }
  if (typeof output === 'object' && output !== null && 'valid' in output && typeof output.valid === 'boolean') {
    const { valid, reason, metadata, score } = output;
    if (valid) return { valid: true, metadata, score };
    return { valid: false, code: 'judge_rejected', reason: reason ?? `the success function rejected the judge's answer ${quote(answer)}`, metadata, score };
  }
  throw new TypeError(`a success function must return a boolean, [boolean, metadata] or { valid }, received ${quote(JSON.stringify(output) ?? String(output))}`);
}

/**
 * Judges one answer with a success criterion: valid, rejected (`judge_rejected`), or unreadable
 * (`judge_unparseable`, also when a success function throws), with the score when the criterion has one.
 */
export function readJudgeAnswer(success: JudgeSuccessRule | JudgeSuccessFunction, answer: string, input: BlockFields): JudgeReading {
  if (typeof success !== 'function') return readRule(success, answer);
  try {
    return readFunction(success, answer, input);
  } catch (error) {
    return unparseable(`the success function failed on the judge's answer ${quote(answer)}: ${(error as Error).message ?? String(error)}`);
  }
}
