import { RxdgtError, instanceGuard } from './rxdgt-error.ts';

const marker = Symbol.for('rxdgt.error.WorkerJobError');

/**
 * A worker of a distributed run (`rxdgt run --queue`) refused an input's job (another rxdgt version, task files that
 * load differently, a path outside its folder) or failed it on every attempt: the run ends with the worker's reason
 * (exit 1); what was settled stays committed.
 */
export class WorkerJobError extends RxdgtError {
  protected readonly [marker] = true;

  constructor(reason: string) {
    super(reason);
    // A fixed name: minifiers rename classes.
    this.name = 'WorkerJobError';
  }

  static override isInstance = instanceGuard<WorkerJobError>(marker);
}
