import type { Builder, TaskOptions } from './task-options.ts';

/** A task whose builder runs in other processes, as {@link RemoteBuilders} sees it. */
export interface RemoteTask {
  readonly name: string;
  /** The task's folder (where its ledger is): one task of one run, whatever its name. */
  readonly dir: string;
  /** The task and builder specs as loaded: what a worker must load alike. */
  readonly card: TaskOptions['card'];
}

/**
 * Where the builders of a run's tasks do their work when it is not this process: a distributed run (`rxdgt run
 * --queue`) sends each input to a worker. The task still plans its inputs, keeps its ledger, its stop criteria and its
 * outputs here, and runs the builder's postprocessors here when it ends.
 */
export interface RemoteBuilders {
  /** The builder the task runs: the local one's work done elsewhere (its `postprocess` kept, to run here). */
  builderFor<In>(local: Builder<In>, task: RemoteTask): Builder<In>;
  /** Inputs a task keeps in flight, from what one process would (its busiest LM block's `call_limit`). */
  inputsInFlight(local: number): number;
}
