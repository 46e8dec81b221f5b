import type { ModelUsage } from '../record.ts';

/**
 * How a task ended: `completed` (target met or input done), a stop criterion's status (`stalled`, `time_elapsed`,
 * `budget_spent`, `low_quality`: the acceptance rate or a mean score fell below its bound), `failed` (LM calls failed
 * too often, or every input was rejected by one config-shaped issue: a mistake in the pipeline), `errored` or
 * `cancelled`. `reason` says which criterion: `complete`, `input_done`, `stalled`, `failure_rate`, `misconfigured`,
 * `acceptance_rate`, `mean_score`, ...
 */
export type TaskStatus = 'completed' | 'stalled' | 'time_elapsed' | 'budget_spent' | 'low_quality' | 'failed' | 'errored' | 'cancelled';

/** One line of `task_results.jsonl`: one per run of the task. */
export interface TaskResult {
  readonly task_name: string;
  readonly run_id: string;
  readonly build_id: string;
  readonly process_id: number;
  readonly status: TaskStatus;
  readonly reason?: string;
  readonly message?: string;
  readonly start_time: string;
  readonly end_time?: string;
  /** The run's seed (`--seed`, `runner_config.seed`), when it was given: rerun with it to repeat every draw. */
  readonly seed?: number;
  readonly metrics?: Readonly<Record<string, number>>;
  /** LM usage by `<block>: <provider>/<model>`: calls, cached calls, tokens, cost in US dollars. */
  readonly usage_by_model?: Readonly<Record<string, ModelUsage>>;
  /** In a distributed run (`rxdgt run --queue`): by worker (`<host>:<pid>`), the inputs it settled and their records and rejections. */
  readonly workers?: Readonly<Record<string, { readonly inputs: number; readonly records: number; readonly rejected: number }>>;
}
