import type { FileLoaderConfig } from '../tools-config.ts';
import { readStructuredFile } from './read-structured-file.ts';
import { toolsOfFile } from './tool-file-shapes.ts';
import { namedFilePath } from '../../config/input-path.ts';
import type { LoaderPlace, ToolLoader } from './tool-loader.ts';

/**
 * DGT's `file` loader: tools from a YAML or JSON file (`path`, inside the task's folder) in any of DGT's three shapes.
 *
 * ## Example
 * ```yaml
 * tools:
 *   registry:
 *     - type: file
 *       path: tools/weather.yaml
 *       namespace: weather_api
 * ```
 * @throws {ConfigError} (from `load`) naming the task file and `path` for a path outside the folder, a missing file,
 *   bad syntax, or content that is not tools (naming the tool file and the definition)
 */
export function fileToolLoader(config: FileLoaderConfig, place: LoaderPlace): ToolLoader {
  const where = { file: place.file, field: `${place.field}.path` };
  return {
    type: 'file',
    async load() {
      const path = namedFilePath(place, config.path, where.field);
      const raw = await readStructuredFile(path, config.path, where);
      return toolsOfFile(raw, config.namespace, { file: path, field: '' });
    },
  };
}
