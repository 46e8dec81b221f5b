import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { monitorCommand } from '../../lib/cli/monitor.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** A stream that keeps what is written to it. */
function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return { stream, text: () => text };
}

const fetchJson = (url: string): Promise<unknown> =>
  new Promise((resolve, reject) => {
    get(url, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });

describe('rxdgt monitor', () => {
  it('prints the URL, serves the folder until stopped, and exits 0', async () => {
    const dir = tempDir();
    const [out, err] = [collect(), collect()];
    const stop = new AbortController();
    const code = monitorCommand({ outputDir: dir, signal: stop.signal }, out.stream, err.stream);
    await waitFor(() => out.text().includes('http://'));
    const [url, origin, token] = /(http:\/\/127\.0\.0\.1:\d+\/)\?token=([0-9a-f]{32})/.exec(out.text())!;
    expect(out.text()).toBe(`rxdgt: monitor of ${dir} at ${url} (Ctrl-C to stop)\n`);
    expect(await fetchJson(`${origin}api/state?token=${token}`)).toMatchObject({ outputDir: dir, tasks: [] });
    stop.abort();
    expect(await code).toBe(0);
    expect(err.text()).toBe('');
  });

  it('exits 2 naming a missing output folder, or one that is a file', async () => {
    const dir = tempDir();
    const err = collect();
    expect(await monitorCommand({ outputDir: join(dir, 'missing') }, collect().stream, err.stream)).toBe(2);
    expect(err.text()).toBe(`rxdgt: ${join(dir, 'missing')}: cannot show the output folder: it does not exist\n`);
    writeFileSync(join(dir, 'file'), '');
    const fileErr = collect();
    expect(await monitorCommand({ outputDir: join(dir, 'file') }, collect().stream, fileErr.stream)).toBe(2);
    expect(fileErr.text()).toBe(`rxdgt: ${join(dir, 'file')}: cannot show the output folder: it is a file, not a folder\n`);
  });

  it('exits 2 naming a port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const err = collect();
      expect(await monitorCommand({ outputDir: tempDir(), port }, collect().stream, err.stream)).toBe(2);
      expect(err.text()).toBe(`rxdgt: the monitor's port ${port} is in use\n`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
