import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadRiskPolicy } from '../../../builders/safety-refusal/load-risk-policy.ts';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { builderTask } from '../../helpers/builder-task.ts';
import { configErrorFrom } from '../../helpers/config-error-from.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const policyText = `
risk_group: household_hazards
risk_group_id: 4
description: Requests that put people at home in danger
policy_version: v2.0
risks:
  - risk: toxic_mixtures
    risk_id: 4.1
    description: Request to mix household chemicals into something harmful
    reason_denial: DANGEROUS_CHEMISTRY
    short_reply_type: EXPLICIT_REFUSAL
    exception: SAFETY_INFORMATION_EXCEPTION
    policy:
      reply_cannot_contain: [Recipes for toxic gases, Quantities that make a mixture dangerous]
      reply_may_contain: [Which products must never be mixed]
  - risk: tampering
    description: Request to disable safety devices
`;

/** A task folder with `policy.yaml` (the text given) beside `task.yaml`. */
function taskFolder(text = policyText): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'policy.yaml'), text);
  return dir;
}

const errorOf = (run: () => unknown): ConfigError => configErrorFrom(run, 'loading the risk policy');

describe('loadRiskPolicy', () => {
  test('the named risk, flattened with the file-level fields', () => {
    const dir = taskFolder();
    expect(loadRiskPolicy({ path: 'policy.yaml', risk: 'toxic_mixtures' }, builderTask({}, dir))).toEqual({
      risk: 'toxic_mixtures',
      risk_description: 'Request to mix household chemicals into something harmful',
      risk_group: 'household_hazards',
      risk_group_id: 4,
      risk_id: 4.1,
      reason_denial: 'DANGEROUS_CHEMISTRY',
      short_reply_type: 'EXPLICIT_REFUSAL',
      exception: 'SAFETY_INFORMATION_EXCEPTION',
      policy_version: 'v2.0',
      reply_cannot_contain: ['Recipes for toxic gases', 'Quantities that make a mixture dangerous'],
      reply_may_contain: ['Which products must never be mixed'],
    });
  });

  test("the file's first risk by default; DGT's defaults for what a risk or the file leaves out", () => {
    const dir = taskFolder('risks:\n  - risk: tampering\n    description: null\n');
    expect(loadRiskPolicy({ path: join(dir, 'policy.yaml') }, builderTask({}, dir))).toEqual({
      risk: 'tampering',
      risk_description: '',
      risk_group: 'unknown',
      risk_group_id: -1,
      risk_id: '',
      reason_denial: '',
      short_reply_type: '',
      exception: '',
      policy_version: 'v0.1',
      reply_cannot_contain: [],
      reply_may_contain: [],
    });
    expect(loadRiskPolicy({ path: 'policy.yaml' }, builderTask({}, taskFolder())).risk).toBe('toxic_mixtures');
  });

  test("a path is read in the task folder, in a subfolder, in DGT's data folder, and never elsewhere", () => {
    const dir = taskFolder();
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies', 'other.yaml'), 'risks: [{ risk: other }]\n');
    expect(loadRiskPolicy({ path: 'policies/other.yaml' }, builderTask({}, dir)).risk).toBe('other');
    const error = errorOf(() => loadRiskPolicy({ path: '../policy.yaml' }, builderTask({}, join(dir, 'policies'))));
    expect([error.field, error.message]).toEqual(['risk_policy.path', expect.stringMatching(/lies outside the task's folder and DGT's data folder/)]);
    const absolute = errorOf(() => loadRiskPolicy({ path: join(dir, 'policy.yaml') }, builderTask({}, join(dir, 'policies'))));
    expect(absolute.message).toMatch(/lies outside the task's folder and DGT's data folder/);
  });

  test('a missing, unparseable or malformed file, or an unknown risk, is a ConfigError naming the task file and field', () => {
    const cases: [string, string, string | undefined, string, RegExp][] = [
      ['missing', policyText, 'nowhere.yaml', 'risk_policy.path', /nowhere\.yaml cannot be read: it does not exist/],
      ['yaml', 'risks: [\n', undefined, 'risk_policy.path', /is not valid YAML/],
      ['no risks', 'risk_group: x\nrisks: []\n', undefined, 'risk_policy.path', /is not a risk policy: at `risks` lists no risk/],
      ['blank template', 'risks:\n  - risk:\n    policy:\n      reply_cannot_contain:\n        -\n', undefined, 'risk_policy.path', /is not a risk policy: at `risks.0.risk`/],
      ['bad list', 'risks:\n  - risk: a\n    policy: { reply_may_contain: [1, 2] }\n', undefined, 'risk_policy.path', /at `risks.0.policy.reply_may_contain.0`/],
    ];
    for (const [name, text, path, field, message] of cases) {
      const dir = taskFolder(text);
      const error = errorOf(() => loadRiskPolicy({ path: path ?? 'policy.yaml' }, builderTask({}, dir)));
      expect([error.file, error.field], name).toEqual([join(dir, 'task.yaml'), field]);
      expect(error.message, name).toMatch(message);
    }
    const unknown = errorOf(() => loadRiskPolicy({ path: 'policy.yaml', risk: 'arson' }, { ...builderTask({}, taskFolder()), fieldPrefix: 'tasks.t1' }));
    expect(unknown.field).toBe('tasks.t1.risk_policy.risk');
    expect(unknown.message).toMatch(/risk `arson` is not in the risk policy file .*\(its risks: `toxic_mixtures`, `tampering`\)/);
  });
});
