/**
 * The monitor's page: one self-contained HTML file (inline CSS and script, no external asset, no framework). It
 * renders the snapshot embedded in it at once, then each snapshot the server pushes on `/events` (server-sent events),
 * in place. Every value is set as text (`textContent`, `setAttribute`): records are untrusted, and none reaches
 * `innerHTML`. The script and style run under a content security policy with the page's `nonce`.
 *
 * ## Example
 * ```ts
 * const html = monitorPage(JSON.stringify(snapshot), nonce); // served with `Content-Security-Policy: script-src 'nonce-…'`
 * ```
 *
 * @param snapshotJson the first snapshot, as JSON (embedded with `<` escaped, so no text in it can close the script)
 * @param nonce the nonce of the page's script and style
 */
export function monitorPage(snapshotJson: string, nonce: string): string {
  const embedded = snapshotJson.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rxdgt monitor</title>
<style nonce="${nonce}">${style}</style>
</head>
<body>
<header><h1>rxdgt monitor</h1><span id="run"></span><span id="connection">connecting</span><span id="updated"></span></header>
<p id="folder"></p>
<section><h2>Tasks</h2>
<table id="tasks"><thead><tr><th>Task</th><th>Status</th><th>Progress</th><th>Records</th><th>Rate</th><th>ETA</th><th>Rejected</th><th>Inputs</th><th>Tokens (prompt + completion)</th><th>Cost</th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Rejects by block and reason</h2>
<table id="rejects"><thead><tr><th>Task</th><th>Block</th><th>Reason</th><th>Count</th></tr></thead><tbody></tbody></table>
</section>
<section id="workers-section" hidden><h2>Workers</h2>
<table id="workers"><thead><tr><th>Task</th><th>Worker</th><th>Inputs</th><th>Records</th><th>Rejected</th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Models: latency and admission</h2>
<table id="engines"><thead><tr><th>Engine</th><th>Calls</th><th>Cached</th><th>Failed</th><th>p50</th><th>p90</th><th>p99</th><th>Limit</th><th>In flight</th><th>Queued</th><th>Paused until</th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Sample records</h2><div id="samples"></div></section>
<script type="application/json" id="initial">${embedded}</script>
<script nonce="${nonce}">${script}</script>
</body>
</html>
`;
}

const style = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem 2rem; color: #1d1d1f; background: #fafafa; }
header { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
h1 { font-size: 1.3rem; margin: 0; } h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
#folder { color: #555; margin: .2rem 0; font-family: ui-monospace, monospace; }
#connection { padding: 0 .4rem; border-radius: 4px; background: #eee; }
#connection.live { background: #d8f5d8; } #connection.lost { background: #f9dcdc; }
table { border-collapse: collapse; background: #fff; min-width: 40rem; }
th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.bar { width: 10rem; height: .8rem; background: #e4e4e4; border-radius: 3px; overflow: hidden; }
.fill { height: 100%; background: #3b82f6; }
.status-completed { color: #17803d; } .status-running { color: #1d4ed8; }
.status-failed, .status-errored, .status-interrupted, .status-cancelled, .status-stalled, .status-low_quality { color: #b91c1c; }
.task-samples { margin-bottom: 1rem; } .task-samples h3 { font-size: .95rem; margin: .6rem 0 .2rem; }
.record { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: .3rem .5rem; margin: .2rem 0; white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, monospace; font-size: 12px; }
.record.rejected { border-color: #f0b4b4; } .field { color: #6b21a8; } .issue { color: #b91c1c; }
.empty { color: #888; }
`;

// The page's script: plain ES2020, rendering every value as text.
const script = `
'use strict';
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}
function cell(value, className) { return el('td', className, value); }
function number(value, digits) {
  if (value === null || value === undefined) return '—';
  return Number(value).toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 0 : digits });
}
function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600), minutes = Math.floor((whole % 3600) / 60), rest = whole % 60;
  if (hours > 0) return hours + 'h ' + String(minutes).padStart(2, '0') + 'm';
  if (minutes > 0) return minutes + 'm ' + String(rest).padStart(2, '0') + 's';
  return rest + 's';
}
function ms(value) { return value === null || value === undefined ? '—' : number(value, value < 10 ? 1 : 0) + ' ms'; }
function time(value) { return value === null || value === undefined ? '—' : new Date(value).toLocaleTimeString(); }
function body(id) { return document.querySelector('#' + id + ' tbody'); }
function emptyRow(columns, text) { const td = cell(text, 'empty'); td.colSpan = columns; return el('tr', '', td); }
function taskRow(task) {
  const row = el('tr');
  row.setAttribute('data-task', task.task);
  const status = cell(task.status + (task.reason && task.reason !== task.status ? ' (' + task.reason + ')' : ''), 'status status-' + task.status);
  if (task.message) status.title = task.message;
  const bar = el('div', 'bar'), fill = el('div', 'fill');
  fill.style.width = task.target ? Math.min(100, (100 * task.accepted) / task.target) + '%' : '0%';
  bar.append(fill);
  row.append(
    cell(task.task, 'name'), status, el('td', '', bar),
    cell(number(task.accepted) + (task.target === null ? '' : ' / ' + number(task.target)), 'records number'),
    cell(task.ratePerSecond === null ? '—' : number(task.ratePerSecond, 2) + '/s', 'rate number'),
    cell(duration(task.etaSeconds), 'eta number'),
    cell(number(task.rejected), 'rejected number'),
    cell(number(task.attempts), 'attempts number'),
    cell(number(task.usage.promptTokens) + ' + ' + number(task.usage.completionTokens), 'tokens number'),
    cell('$' + number(task.usage.costUsd, 4), 'cost number'),
  );
  return row;
}
function sample(record, rejected) {
  const node = el('div', rejected ? 'record rejected' : 'record');
  record.fields.forEach(([name, text], index) => { if (index > 0) node.append('\\n'); node.append(el('span', 'field', name + ': '), text); });
  for (const issue of record.issues || []) node.append('\\n', el('span', 'issue', issue.block + ' / ' + issue.code + ': ' + issue.message));
  return node;
}
function render(snapshot) {
  document.getElementById('run').textContent = 'run ' + (snapshot.runId || '') + ' ' + snapshot.status;
  document.getElementById('folder').textContent = snapshot.outputDir;
  document.getElementById('updated').textContent = 'updated ' + time(snapshot.now);
  const tasks = snapshot.tasks;
  body('tasks').replaceChildren(...(tasks.length ? tasks.map(taskRow) : [emptyRow(10, 'no task yet')]));
  const rejects = tasks.flatMap((task) => task.rejects.map((reject) => {
    const row = el('tr', '', cell(task.task), cell(reject.block, 'block'), cell(reject.code, 'code'), cell(number(reject.count), 'count number'));
    row.setAttribute('data-task', task.task);
    return row;
  }));
  body('rejects').replaceChildren(...(rejects.length ? rejects : [emptyRow(4, 'no rejection')]));
  // A distributed run's workers; the section stays hidden for a run in one process.
  const workers = tasks.flatMap((task) => task.workers.map((worker) => {
    const row = el('tr', '', cell(task.task), cell(worker.worker, 'worker'), cell(number(worker.inputs), 'inputs number'), cell(number(worker.records), 'records number'), cell(number(worker.rejected), 'rejected number'));
    row.setAttribute('data-task', task.task);
    return row;
  }));
  body('workers').replaceChildren(...workers);
  document.getElementById('workers-section').hidden = workers.length === 0;
  const engines = snapshot.engines.map((engine) => {
    const latency = engine.latencyMs || {}, admission = engine.admission;
    return el('tr', '', cell(engine.engine), cell(number(engine.calls), 'number'), cell(number(engine.cachedCalls), 'number'), cell(number(engine.failedCalls), 'number'),
      cell(ms(latency.p50), 'p50 number'), cell(ms(latency.p90), 'p90 number'), cell(ms(latency.p99), 'p99 number'),
      cell(admission ? admission.concurrency + ' / ' + admission.maxConcurrency : '—', 'number'), cell(admission ? number(admission.active) : '—', 'number'),
      cell(admission ? number(admission.queued) : '—', 'number'),
      cell(admission && admission.pausedUntil !== null && admission.pausedUntil > snapshot.now ? time(admission.pausedUntil) : '—'));
  });
  body('engines').replaceChildren(...(engines.length ? engines : [emptyRow(11, 'no model call yet')]));
  const samples = tasks.map((task) => {
    const block = el('div', 'task-samples', el('h3', '', task.task));
    block.setAttribute('data-task', task.task);
    block.append(el('h4', '', 'accepted'), ...(task.acceptedSamples.length ? task.acceptedSamples.map((record) => sample(record, false)) : [el('p', 'empty', 'none yet')]));
    block.append(el('h4', '', 'rejected'), ...(task.rejectedSamples.length ? task.rejectedSamples.map((record) => sample(record, true)) : [el('p', 'empty', 'none yet')]));
    return block;
  });
  document.getElementById('samples').replaceChildren(...samples);
  document.body.setAttribute('data-version', String(snapshot.version));
}
const connection = document.getElementById('connection');
render(JSON.parse(document.getElementById('initial').textContent));
// When the first state was on screen, in ms since the navigation started: the page load time.
window.monitorFirstRender = performance.now();
const source = new EventSource('events');
function ended() { connection.textContent = 'run ended'; connection.className = ''; }
source.addEventListener('state', (event) => {
  const snapshot = JSON.parse(event.data);
  if (snapshot.live) { connection.textContent = 'live'; connection.className = 'live'; } else ended();
  render(snapshot);
});
source.addEventListener('end', ended);
source.onerror = () => { connection.textContent = 'reconnecting'; connection.className = 'lost'; };
`;
