import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors/config-error.ts';
import { postprocessorConfigSchema } from './builder-spec.ts';
import { type Env, expandEnv } from './expand-env.ts';
import { isPlainObject } from './plain-object.ts';
import { readYamlFile } from './yaml-file.ts';
import { zodIssueToConfigError } from './zod-issue.ts';

/**
 * Changes to one builder, as DGT applies them: blocks matched by `name` (only the keys given change), a block the
 * builder lacks appended, postprocessors replaced, and any other builder-level key (`max_workers`, `metadata`, ...)
 * set on the builder. See `mergeBuilderSpec`.
 */
export const builderOverrideSchema = z.looseObject({
  blocks: z.array(z.looseObject({ name: z.string().min(1), type: z.string().min(1).optional() })).optional(),
  postprocessors: z.array(postprocessorConfigSchema).optional(),
});

/** Overrides of one builder from a joint config. */
export type BuilderOverrideConfig = z.output<typeof builderOverrideSchema>;

/** DGT's `--config-path` file. Task entries stay unvalidated here: they are checked once merged with their task. */
export const jointConfigSchema = z.strictObject({
  databuilders: z.record(z.string(), builderOverrideSchema).optional(),
  tasks: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  task_files: z.array(z.string()).optional(),
});

/** A validated joint config, env-expanded. */
export interface JointConfig {
  readonly file: string;
  readonly databuilders: Readonly<Record<string, BuilderOverrideConfig>>;
  readonly tasks: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly taskFiles: readonly string[];
}

const topLevelKeys = ['databuilders', 'tasks', 'task_files'];

/**
 * Reads a joint config (`databuilders`, `tasks`, `task_files`), expanding `${VAR}` with DGT's defaults.
 *
 * @throws {ConfigError} for any other top-level key, with a pointer when the file is a builder YAML
 */
export async function loadJointConfig(path: string, env: Env = process.env): Promise<JointConfig> {
  const file = resolve(path);
  const content = expandEnv((await readYamlFile(file)) ?? {}, env);
  if (!isPlainObject(content)) throw new ConfigError('a joint config must hold a mapping at the top level', { file });
  if ('name' in content && 'blocks' in content) {
    throw new ConfigError(
      'this file looks like a builder YAML; --config-path takes a joint config with `databuilders`, `tasks` and `task_files`',
      { file },
    );
  }
  const unknown = Object.keys(content).filter((key) => !topLevelKeys.includes(key));
  if (unknown.length > 0) {
    const others = unknown.length > 1 ? ` (also unknown: ${unknown.slice(1).join(', ')})` : '';
    throw new ConfigError(`unknown field; a joint config takes only \`databuilders\`, \`tasks\` and \`task_files\`${others}`, { file, field: unknown[0] });
  }
  // An empty section (`tasks:` with nothing under it) is read as absent.
  const present = Object.fromEntries(Object.entries(content).filter(([, value]) => value !== null));
  const parsed = jointConfigSchema.safeParse(present);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, file);
  return { file, databuilders: parsed.data.databuilders ?? {}, tasks: parsed.data.tasks ?? {}, taskFiles: parsed.data.task_files ?? [] };
}
