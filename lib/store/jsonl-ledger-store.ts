import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { DatastoreError } from '../errors/datastore-error.ts';
import type { DataPoint } from '../record.ts';
import { AppendFile } from './append-file.ts';
import { readLastLine, readLines } from './jsonl-lines.ts';
import { type CommitBatch, type LedgerStore, type LedgerSummary, type RestoredRecord, idField, sequenceOfId } from './ledger.ts';

/** rxdgt's bookkeeping inside a `dataloader_state.jsonl` line, beside DGT's `iter_index` and `row_index`. */
interface CommitState {
  readonly version: 1;
  readonly records: number;
  readonly rejected: number;
  readonly settled_below: number;
  readonly settled_above: readonly number[];
  /** Bytes of `data.jsonl` and of each `blocks/<file>` once this commit was written: what a crash truncates to. */
  readonly data_bytes: number;
  readonly block_bytes: Readonly<Record<string, number>>;
}

/** The file name of a block's rejection log: the block name with anything but letters, digits, `.`, `_`, `-` as `_`. */
export function blockFileName(block: string): string {
  const safe = block.replace(/[^\w.-]/g, '_');
  return `${safe.startsWith('.') ? `_${safe}` : safe}.jsonl`;
}

/**
 * The JSONL ledger: DGT's layout. `data.jsonl` holds the records, `blocks/<block>.jsonl` the rejections, and each
 * commit ends with one `dataloader_state.jsonl` line: DGT's `{iter_index, row_index}` plus rxdgt's bookkeeping,
 * including how long every file was once the commit was written. That line is the commit: a crash before it leaves
 * bytes past the recorded lengths, which the next open cuts off (with a note in `repairs`), so every record is on
 * disk once and no line is torn. A torn last line of the state file itself is cut the same way. Files an older rxdgt
 * or DGT wrote (no bookkeeping) are scanned instead: a torn last line is cut, every whole record counts.
 *
 * @throws {ConfigError} when a file is a folder, or holds less than its last commit says (changed by hand)
 */
export function openJsonlLedgerStore(dir: string): LedgerStore {
  const dataPath = join(dir, 'data.jsonl');
  const statePath = join(dir, 'dataloader_state.jsonl');
  const blocksDir = join(dir, 'blocks');
  for (const path of [dataPath, statePath, blocksDir]) expectKind(path, path === blocksDir ? 'folder' : 'file');
  const repairs: string[] = [];
  const committed = readCommit(statePath, repairs);
  const blockNames = existsSync(blocksDir) ? readdirSync(blocksDir).filter((name) => name.endsWith('.jsonl')) : [];
  let summary: LedgerSummary;
  let dataBytes: number;
  const blockBytes = new Map<string, number>();
  if (committed) {
    const { state } = committed;
    dataBytes = cutTo(dataPath, state.data_bytes, repairs);
    for (const name of blockNames) blockBytes.set(name, cutTo(join(blocksDir, name), state.block_bytes[name] ?? 0, repairs));
    summary = {
      records: state.records,
      rejected: state.rejected,
      settledBelow: state.settled_below,
      settledAbove: state.settled_above,
      position: committed.position,
    };
  } else {
    // No bookkeeping: files of an older run. Every whole line counts; one input per record.
    dataBytes = 0;
    summary = { records: 0, rejected: 0, settledBelow: 0, settledAbove: [], position: undefined };
  }
  const data = new AppendFile(dataPath);
  const state = new AppendFile(statePath);
  const blocks = new Map<string, AppendFile>();
  const blockFile = (name: string): AppendFile => {
    let file = blocks.get(name);
    if (!file) {
      mkdirSync(blocksDir, { recursive: true });
      file = new AppendFile(join(blocksDir, name));
      blocks.set(name, file);
    }
    return file;
  };

  const store: LedgerStore & { scanLegacy(): Promise<void> } = {
    kind: 'jsonl',
    get summary() {
      return summary;
    },
    repairs,
    async *records(): AsyncGenerator<RestoredRecord> {
      if (!existsSync(dataPath)) return;
      for await (const line of readLines(dataPath, dataBytes)) {
        if (line.text.trim() === '') continue;
        const record = parseLine(line.text, dataPath, line.number) as DataPoint;
        yield { record, sequence: sequenceOfId(record[idField]) };
      }
    },
    commit(batch: CommitBatch) {
      const texts = new Map<AppendFile, string>([[data, batch.records.map((record) => `${JSON.stringify(record)}\n`).join('')]]);
      for (const { block, line } of batch.rejections) {
        const file = blockFile(blockFileName(block));
        texts.set(file, `${texts.get(file) ?? ''}${JSON.stringify(line)}\n`);
      }
      const sizes = new Map<AppendFile, number>();
      try {
        for (const [file, text] of texts) {
          sizes.set(file, file.size);
          file.append(text);
        }
        for (const [name, file] of blocks) blockBytes.set(name, file.size);
        state.append(`${JSON.stringify(stateLine(batch.summary, data.size, blockBytes))}\n`);
      } catch (error) {
        // Undo what was written: a later commit must not sit on top of records this one never committed.
        for (const [file, size] of sizes) file.truncate(size);
        for (const [name, file] of blocks) blockBytes.set(name, file.size);
        throw error;
      }
      dataBytes = data.size;
      summary = batch.summary;
    },
    copyRecordsAsJsonl(path: string) {
      if (!existsSync(dataPath)) return false;
      copyFileSync(dataPath, path);
      return true;
    },
    close() {
      data.close();
      state.close();
      for (const file of blocks.values()) file.close();
    },
    /** Counts the records of files without bookkeeping (cutting a torn last line), before anything is appended. */
    async scanLegacy() {
      if (committed) return;
      let records = 0;
      const end = { end: 0, torn: false };
      if (existsSync(dataPath)) {
        for await (const line of readLines(dataPath, undefined, end)) {
          if (line.text.trim() === '') continue;
          parseLine(line.text, dataPath, line.number);
          records += 1;
        }
        if (end.torn) cut(dataPath, end.end, 'a torn last line', repairs);
      }
      for (const name of blockNames) {
        const path = join(blocksDir, name);
        const blockEnd = { end: 0, torn: false };
        for await (const _line of readLines(path, undefined, blockEnd));
        if (blockEnd.torn) cut(path, blockEnd.end, 'a torn last line', repairs);
        blockBytes.set(name, blockEnd.end);
      }
      dataBytes = end.end;
      summary = { records, rejected: 0, settledBelow: records, settledAbove: [], position: undefined };
    },
  };
  return store;
}

/** Opens the JSONL ledger store and, for files without rxdgt's bookkeeping, counts what they hold. */
export async function openJsonlLedger(dir: string): Promise<LedgerStore> {
  const store = openJsonlLedgerStore(dir) as LedgerStore & { scanLegacy(): Promise<void> };
  await store.scanLegacy();
  return store;
}

function stateLine(summary: LedgerSummary, dataBytes: number, blockBytes: ReadonlyMap<string, number>): Record<string, unknown> {
  const rxdgt: CommitState = {
    version: 1,
    records: summary.records,
    rejected: summary.rejected,
    settled_below: summary.settledBelow,
    settled_above: summary.settledAbove,
    data_bytes: dataBytes,
    block_bytes: Object.fromEntries(blockBytes),
  };
  const position = (summary.position ?? {}) as Record<string, unknown>;
  return { ...position, rxdgt };
}

/** The last commit in `dataloader_state.jsonl`, cutting a torn last line; undefined when no line has bookkeeping. */
function readCommit(path: string, repairs: string[]): { state: CommitState; position: unknown } | undefined {
  if (!existsSync(path)) return undefined;
  const last = readLastLine(path);
  if (last.end < statSync(path).size) cut(path, last.end, 'a torn last line', repairs);
  if (last.text === undefined || last.text.trim() === '') return undefined;
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(last.text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`the last line is not valid JSON (${(error as Error).message}); the file was changed outside rxdgt: restore it, or start over with --restart`, { file: path, cause: error });
  }
  const { rxdgt, ...position } = line;
  if (rxdgt === undefined) return undefined;
  return { state: rxdgt as CommitState, position: Object.keys(position).length > 0 ? position : undefined };
}

/** Cuts a file to the length its last commit recorded; returns that length. */
function cutTo(path: string, bytes: number, repairs: string[]): number {
  const size = existsSync(path) ? statSync(path).size : 0;
  if (size < bytes) {
    throw new ConfigError(
      `holds ${size} bytes but its last commit recorded ${bytes}: it was changed outside rxdgt; restore it, or start over with --restart`,
      { file: path },
    );
  }
  if (size > bytes) cut(path, bytes, 'records written without their commit (the run was killed mid-write)', repairs);
  return bytes;
}

function cut(path: string, bytes: number, what: string, repairs: string[]): void {
  const size = statSync(path).size;
  try {
    truncateSync(path, bytes);
  } catch (error) {
    throw new DatastoreError(path, 'truncate', error);
  }
  repairs.push(`${path}: removed ${what} (${size - bytes} bytes)`);
}

function parseLine(text: string, path: string, number: number): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`line ${number} is not valid JSON (${(error as Error).message}); repair or remove it, or start over with --restart`, {
      file: path,
      cause: error,
    });
  }
}

function expectKind(path: string, kind: 'file' | 'folder'): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    return;
  }
  if (isFolder !== (kind === 'folder')) throw new ConfigError(`is a ${isFolder ? 'folder' : 'file'}, expected a ${kind}`, { file: path });
}
