import type { BuilderSettings, BuilderTask } from '../../lib/builder-registry.ts';
import { resolve } from 'node:path';
import { resolveInputPath } from '../../lib/config/input-path.ts';
import type { TaskSpec } from '../../lib/config/task-spec.ts';

/**
 * A `BuilderTask` for calling a definition's `create(blocks, task)` directly: a task file `task.yaml` in `directory`
 * with the given fields (builder-specific ones too) over a minimal task; DGT's data folder is `data` in the working directory.
 */
export function builderTask(fields: Readonly<Record<string, unknown>> = {}, directory = '.', settings: BuilderSettings = {}): BuilderTask {
  const spec = { task_name: 'test/task', task_description: 'a test task', created_by: '', data_builder: 'test/builder', ...fields } as TaskSpec & Record<string, unknown>;
  const file = `${directory}/task.yaml`;
  const dataDirectory = resolve('data');
  const resolvePath = (path: string, field: string) => resolveInputPath(path, { folder: directory, cwd: process.cwd(), dataDirectory, file, field });
  return { spec, file, fieldPrefix: '', directory, settings, resolvePath };
}
