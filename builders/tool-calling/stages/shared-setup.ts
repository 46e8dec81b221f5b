import type { StatelessOptions } from '../stateless-options.ts';
import type { ToolsHandle } from '../tools-handle.ts';

/** What every stage of one task shares: its tools (built when the run starts) and its plan settings. */
export interface SharedSetup {
  readonly handle: ToolsHandle;
  readonly options: StatelessOptions;
}
