import { describe, expect, test } from 'vitest';
import type { RunEvent } from '../../lib/telemetry/run-event.ts';
import { type RunSpan, RunSpans } from '../../lib/telemetry/run-spans.ts';

const ids = { runId: 'run-1', buildId: 'exp' };

/** RunSpans fed `events`, then finished: the spans in the order they ended. */
function spansOf(events: readonly RunEvent[]): { readonly started: RunSpan[]; readonly ended: RunSpan[] } {
  const started: RunSpan[] = [];
  const ended: RunSpan[] = [];
  const spans = new RunSpans({ started: (span) => started.push(span), ended: (span) => ended.push(span) });
  for (const event of events) spans.next(event);
  spans.finish();
  spans.finish();
  return { started, ended };
}

const runStarted: RunEvent = { ...ids, type: 'run-start', time: 100, tasks: [{ task: 'geo', target: 2 }] };
const taskStarted: RunEvent = { ...ids, type: 'task-start', time: 110, task: 'geo', target: 2, taskRunId: 'task-run-1' };

describe('RunSpans', () => {
  test('a rejection opens its block’s span at the input’s time; rejected records and issue codes are counted per block', () => {
    const issue = (block: string, code: string) => ({ block, code, message: `${code} by ${block}` });
    const { ended } = spansOf([
      runStarted,
      taskStarted,
      {
        ...ids,
        type: 'input-end',
        time: 130,
        task: 'geo',
        records: [],
        rejections: [
          { record: {}, issues: [issue('judge', 'low_score'), issue('judge', 'schema_invalid'), issue('dedup', 'duplicate')] },
          { record: {}, issues: [issue('judge', 'low_score')] },
        ],
        usage: undefined,
        accepted: 0,
        rejected: 2,
        attempts: 2,
      },
    ]);
    const blocks = ended.filter((span) => span.name === 'dgt.block');
    expect(blocks.map((span) => [span.attributes['block_name'], span.startTime, span.attributes['rejections'], span.attributes['rejections_by_code']])).toEqual([
      ['judge', 130, 2, { low_score: 2, schema_invalid: 1 }],
      ['dedup', 130, 1, { duplicate: 1 }],
    ]);
    expect(blocks.every((span) => span.parent?.name === 'dgt.task' && span.runId === 'task-run-1' && span.status === 'cancelled')).toBe(true);
    expect(ended.find((span) => span.name === 'dgt.task')?.attributes).toMatchObject({ task_name: 'geo', records: 0, rejected: 2, attempts: 2 });
  });

  test('a model call of a task not started is a child of the run span; a second run_started while the run is open is ignored', () => {
    const { started, ended } = spansOf([
      runStarted,
      { ...runStarted, time: 105 },
      {
        ...ids,
        type: 'model-call-end',
        time: 120,
        block: 'generator',
        usageKey: 'generator: fake/m',
        provider: 'fake',
        model: 'm',
        startedAt: 115,
        endedAt: 120,
        cached: true,
        promptTokens: 0,
        completionTokens: 0,
        request: { method: 'completion', prompt: 'p', maxTokens: 16, n: 2 },
        texts: ['a', 'b'],
        tasks: ['elsewhere'],
      },
    ]);
    expect(started.map((span) => span.name)).toEqual(['dgt.run', 'dgt.llm_call']);
    const [call, run] = ended;
    expect(call).toMatchObject({ name: 'dgt.llm_call', parent: run, runId: 'run-1', startTime: 115, endTime: 120, status: 'ok' });
    expect(call!.attributes).toEqual({ provider: 'fake', model_id: 'm', method: 'completion', batch_size: 1, block: 'generator', usage_key: 'generator: fake/m', task_names: ['elsewhere'], cached: true, prompt_tokens: 0, completion_tokens: 0, semaphore_wait_ms: 0, n: 2, max_tokens: 16 });
    expect(run).toMatchObject({ name: 'dgt.run', startTime: 100, endTime: 120, status: 'cancelled' });
  });

  test('a task started again while open closes its first span as cancelled; finishing twice ends each span once', () => {
    const { ended } = spansOf([runStarted, taskStarted, { ...taskStarted, time: 150, taskRunId: 'task-run-2' }]);
    expect(ended.map((span) => [span.name, span.runId, span.endTime, span.status])).toEqual([
      ['dgt.task', 'task-run-1', 150, 'cancelled'],
      ['dgt.task', 'task-run-2', 150, 'cancelled'],
      ['dgt.run', 'run-1', 150, 'cancelled'],
    ]);
    expect(new Set(ended.map((span) => span.spanId)).size).toBe(3);
    expect(ended.every((span) => /^[0-9a-f]{16}$/.test(span.spanId))).toBe(true);
  });
});
