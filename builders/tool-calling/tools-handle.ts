import type { Tools } from '../../lib/tools/build-tools.ts';

/**
 * A task's tools, which its stages are made before they exist: `buildTools` is asynchronous and runs when the
 * builder is subscribed, while stages are created (and their config checked) when the task is loaded. Stages
 * register what needs the tools (`whenReady`: samplers over the enriched registry) and read them while running.
 *
 * ## Example
 * ```ts
 * const handle = new ToolsHandle();
 * handle.whenReady((tools) => (sampler = createToolSampler(config, tools.registry, place)));
 * handle.ready(await buildTools(spec.tools, context)); // runs the callbacks; a ConfigError there ends the run
 * handle.tools.engine.execute(id, calls);
 * ```
 */
export class ToolsHandle {
  private current: Tools | undefined;
  private readonly callbacks: ((tools: Tools) => void)[] = [];

  /** The tools. @throws {Error} before {@link ready} */
  get tools(): Tools {
    if (!this.current) throw new Error('the task\'s tools are not built yet');
    return this.current;
  }

  /** Runs `callback` with the tools once they are built (each time they are). */
  whenReady(callback: (tools: Tools) => void): void {
    this.callbacks.push(callback);
  }

  /** Hands over the built tools and runs the callbacks; an error thrown by one propagates. */
  ready(tools: Tools): void {
    this.current = tools;
    for (const callback of this.callbacks) callback(tools);
  }
}
