// Loading DGT task files, builder YAMLs and joint configs into validated specs.

// Files
export { readYamlFile } from './yaml-file.ts';
export { readDataFile, type ReadDataFileOptions } from './data-file.ts';
export { dgtEnv, dgtEnvDefaults, expandEnv, type Env } from './expand-env.ts';

// Task specs
export {
  datastoreConfigSchema,
  runnerConfigSchema,
  taskSpecSchema,
  taskSpecSchemaWith,
  type DatastoreConfig,
  type RunnerConfig,
  type TaskSpec,
} from './task-spec.ts';
export { loadTasks, type LoadedTask, type LoadedTasks, type LoadTasksOptions } from './load-tasks.ts';

// Builder specs
export {
  blockConfigSchema,
  builderSpecSchema,
  builderSpecSchemaWith,
  loadBuilderSpec,
  mergeBuilderSpec,
  postprocessorConfigSchema,
  type BlockConfig,
  type BuilderOverride,
  type BuilderSpec,
  type PostprocessorConfig,
} from './builder-spec.ts';

// Joint config (--config-path)
export { builderOverrideSchema, jointConfigSchema, loadJointConfig, type BuilderOverrideConfig, type JointConfig } from './joint-config.ts';

// Errors
export { zodIssueToConfigError } from './zod-issue.ts';
