import type { DataPoint, Outcome } from '../../lib/record.ts';
import type { Settlement } from '../../lib/store/ledger.ts';
import type { CommitListener, Ledger } from '../../lib/store/task-ledger.ts';

/**
 * Gives a ledger one outcome through `take`, as a promise of its input's commit a spec can await: undefined while
 * more of the input's outcomes are due; it throws what `take` throws.
 */
export function offer(ledger: Ledger, outcome: Outcome<DataPoint>): Promise<Settlement> | undefined {
  let listener!: CommitListener;
  const commit = new Promise<Settlement>((resolve, reject) => (listener = { committed: resolve, failed: reject }));
  return ledger.take(outcome, listener) ? commit : undefined;
}
