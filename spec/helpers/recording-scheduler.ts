import { type SchedulerAction, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';

/** A scheduler that records every delay it is asked for and runs the work at once: backoff without waiting. */
export function recordingScheduler(): { scheduler: SchedulerLike; delays: number[] } {
  const delays: number[] = [];
  function schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    delays.push(delay);
    return asyncScheduler.schedule(work, 0, state);
  }
  return { scheduler: { now: () => asyncScheduler.now(), schedule }, delays };
}
