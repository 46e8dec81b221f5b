import type { Tool } from '../tool.ts';

/** Where a loader entry was written and what it may read: the task file, the entry's field, the task's folder. */
export interface LoaderPlace {
  readonly file: string | undefined;
  /** Dotted path of the registry entry (`tools.registry.0`). */
  readonly field: string;
  /** The task file's folder: files the entry names must lie inside it. */
  readonly directory: string;
  /** How the task resolves a file it names (its folder, or DGT's data folder: `BuilderTask.resolvePath`). @default inside `directory` */
  readonly resolvePath?: ((path: string, field: string) => string) | undefined;
}

/**
 * A tool source (DGT's `ToolLoader`): `load` gives its tools, each with its namespace set; `close` releases what it
 * holds (an MCP server it started).
 */
export interface ToolLoader {
  readonly type: string;
  load(): Promise<Tool[]>;
  close?(): Promise<void>;
}
