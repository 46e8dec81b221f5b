import { of } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { defineStage } from '../../lib/conversation/stage.ts';
import { findStage, registerStage, stageRegistry } from '../../lib/conversation/stage-registry.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';

const stage = (name: string) => defineStage({ name, config: {}, create: () => (conversation) => of(conversation) });

describe('stage registry', () => {
  test('registers and finds stages; registering returns a new registry', () => {
    const base = stageRegistry([stage('a/one')]);
    const more = registerStage(base, stage('b/two'));
    expect([...base.keys()]).toEqual(['a/one']);
    expect(findStage(more, 'b/two', { file: 'task.yaml', field: 'iteration_stages.0.name' }).name).toBe('b/two');
  });

  test('a duplicate name is refused; an unknown one is a ConfigError naming the file, field and known stages', () => {
    expect(() => stageRegistry([stage('a/one'), stage('a/one')])).toThrow(/`a\/one` is already registered/);
    const registry = stageRegistry([stage('b/two'), stage('a/one')]);
    const attempt = () => findStage(registry, 'c/three', { file: 'task.yaml', field: 'iteration_stages.2.name' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('task.yaml: field `iteration_stages.2.name`: unknown stage `c/three` (known: a/one, b/two)');
  });
});
