import { closeSync, constants, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { DatastoreError } from '../errors/datastore-error.ts';
import type { BatchJournal, PendingBatch } from '../model/batch-api.ts';
import type { DataPoint } from '../record.ts';
import { AppendFile } from './append-file.ts';
import { readLastLine, readLines } from './jsonl-lines.ts';
import { type CommitBatch, type LedgerStore, type LedgerSummary, type RestoredRecord, emptySummary, idField, sequenceOfId } from './ledger.ts';
import { taskFiles } from './task-layout.ts';

/** rxdgt's bookkeeping inside a `dataloader_state.jsonl` line, beside DGT's `iter_index` and `row_index`. */
interface CommitState {
  readonly version: 2;
  readonly records: number;
  readonly rejected: number;
  readonly next: number;
  readonly unsettled: readonly number[];
  readonly input?: string | undefined;
  /** Bytes of `data.jsonl` and of each `blocks/<file>` once this commit was written: what a crash cuts them back to. */
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
 * disk once and no line is torn. A torn last line of the state file itself is cut the same way.
 *
 * A fresh folder gets a first, empty commit line before anything is appended; a block's file is listed in a commit
 * line before its first rejection is written; so every file the ledger appends to is always covered by a commit,
 * and files it does not list are never touched. Files of an older rxdgt or of DGT (records, no bookkeeping) are
 * scanned once (a torn last line cut, every whole record counted) and given their first commit line.
 *
 * @throws {ConfigError} when a file is a folder, `blocks/` holds another task, or a file holds less than its last
 *   commit says (changed by hand)
 */
export async function openJsonlLedgerStore(dir: string): Promise<LedgerStore> {
  const dataPath = join(dir, taskFiles.data);
  const statePath = join(dir, taskFiles.state);
  const blocksDir = join(dir, taskFiles.blocks);
  for (const path of [dataPath, statePath]) expectKind(path, 'file');
  expectKind(blocksDir, 'folder');
  if (existsSync(join(blocksDir, taskFiles.lock))) {
    throw new ConfigError('is the folder of another task, not this task\'s rejection logs: give one of the two tasks another `task_name` or `store_name`', { file: blocksDir });
  }
  const repairs: string[] = [];
  const committed = readCommit(statePath, repairs);
  const blockBytes = new Map<string, number>();
  let summary: LedgerSummary;
  let dataBytes: number;
  if (committed) {
    const { state } = committed;
    dataBytes = cutTo(dataPath, state.data_bytes, repairs);
    for (const [name, bytes] of Object.entries(state.block_bytes)) blockBytes.set(name, cutTo(join(blocksDir, name), bytes, repairs));
    summary = { records: state.records, rejected: state.rejected, next: state.next, unsettled: state.unsettled, position: committed.position, input: state.input };
  } else {
    ({ summary, dataBytes } = await scanOlderRun(dataPath, blocksDir, blockBytes, repairs));
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
  const writeState = (at: LedgerSummary): void => state.append(`${JSON.stringify(stateLine(at, data.size, blockBytes))}\n`);
  // The files this ledger appends to are covered by a commit line from the start.
  if (!committed) writeState(summary);
  let current = summary;

  return {
    kind: 'jsonl',
    summary,
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
      const recordTexts = batch.recordTexts ?? batch.records.map((record) => JSON.stringify(record));
      const texts = new Map<AppendFile, string>([[data, recordTexts.length === 0 ? '' : `${recordTexts.join('\n')}\n`]]);
      // Each block's file named once per commit, and each file's lines, in order, joined once.
      const fileNames = new Map<string, string>();
      const linesByFile = new Map<AppendFile, string[]>();
      const fresh: string[] = [];
      for (const { block, line } of batch.rejections) {
        let name = fileNames.get(block);
        if (name === undefined) {
          name = blockFileName(block);
          fileNames.set(block, name);
          if (!blockBytes.has(name) && !fresh.includes(name)) fresh.push(name);
        }
        const file = blockFile(name);
        const lines = linesByFile.get(file);
        if (lines) lines.push(JSON.stringify(line));
        else linesByFile.set(file, [JSON.stringify(line)]);
      }
      for (const [file, lines] of linesByFile) texts.set(file, `${lines.join('\n')}\n`);
      const sizes = new Map<AppendFile, number>();
      try {
        // A new block file is listed (at its current length) before anything is written to it.
        if (fresh.length > 0) {
          for (const name of fresh) blockBytes.set(name, blockFile(name).size);
          writeState(current);
        }
        for (const [file, text] of texts) {
          sizes.set(file, file.size);
          file.append(text);
        }
        for (const [name, file] of blocks) blockBytes.set(name, file.size);
        writeState(batch.summary);
      } catch (error) {
        // Undo what was written: a later commit must not sit on top of records this one never committed.
        for (const [file, size] of sizes) file.truncate(size);
        for (const [name, file] of blocks) blockBytes.set(name, file.size);
        throw error;
      }
      dataBytes = data.size;
      current = batch.summary;
    },
    pendingBatches: pendingBatchesFile(join(dir, pendingBatchesName)),
    copyRecordsAsJsonl(path: string) {
      if (!existsSync(dataPath)) return false;
      // A clone where the file system shares blocks between files (Btrfs, XFS, APFS), else a byte copy in the kernel.
      copyFileSync(dataPath, path, constants.COPYFILE_FICLONE);
      return true;
    },
    close() {
      data.close();
      state.close();
      for (const file of blocks.values()) file.close();
    },
  };
}

/** The sidecar of a task's pending provider batches, beside the JSONL ledger. */
const pendingBatchesName = 'pending_batches.json';

/**
 * A task's pending provider batches as one small JSON file (`{"batches": [...]}`), replaced atomically (a temporary
 * file, synced, renamed over it) on every change, so a kill at any instant leaves the old list or the new one. No file
 * means none.
 *
 * @throws {ConfigError} from `list` when the file is not such a list; {DatastoreError} from `put`/`remove` when it
 *   cannot be written
 */
export function pendingBatchesFile(path: string): BatchJournal {
  const read = (): PendingBatch[] => {
    if (!existsSync(path)) return [];
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as { batches?: unknown };
      if (!Array.isArray(parsed.batches)) throw new Error('no `batches` list');
      return parsed.batches as PendingBatch[];
    } catch (error) {
      throw new ConfigError(`is not a list of pending batches (${(error as Error).message}); the file was changed outside rxdgt: restore or remove it`, { file: path, cause: error });
    }
  };
  const write = (batches: readonly PendingBatch[]): void => {
    const temporary = `${path}.tmp`;
    try {
      const descriptor = openSync(temporary, 'w');
      try {
        writeSync(descriptor, `${JSON.stringify({ batches })}\n`);
        fsyncSync(descriptor);
      } finally {
        closeSync(descriptor);
      }
      renameSync(temporary, path);
    } catch (error) {
      throw new DatastoreError(path, 'write the pending batches', error);
    }
  };
  return {
    list: read,
    put: (batch) => write([...read().filter((each) => each.id !== batch.id), batch]),
    remove(id) {
      const batches = read();
      if (batches.some((each) => each.id === id)) write(batches.filter((each) => each.id !== id));
    },
  };
}

/**
 * Counts the records of files without rxdgt's bookkeeping (DGT's, an older rxdgt's), cutting torn last lines: every
 * whole record counts. Records with ids say which inputs made them; others count as one input each.
 */
async function scanOlderRun(dataPath: string, blocksDir: string, blockBytes: Map<string, number>, repairs: string[]): Promise<{ summary: LedgerSummary; dataBytes: number }> {
  let records = 0;
  let next = 0;
  const end = { end: 0, torn: false };
  if (existsSync(dataPath)) {
    for await (const line of readLines(dataPath, undefined, end)) {
      if (line.text.trim() === '') continue;
      const record = parseLine(line.text, dataPath, line.number) as DataPoint;
      records += 1;
      const sequence = sequenceOfId(record[idField]);
      next = Math.max(next, sequence === -1 ? records : sequence + 1);
    }
    if (end.torn) cut(dataPath, end.end, 'a torn last line', repairs);
  }
  const names = existsSync(blocksDir) ? readdirSync(blocksDir).filter((name) => name.endsWith('.jsonl')) : [];
  for (const name of names) {
    const path = join(blocksDir, name);
    const blockEnd = { end: 0, torn: false };
    for await (const _line of readLines(path, undefined, blockEnd));
    if (blockEnd.torn) cut(path, blockEnd.end, 'a torn last line', repairs);
    blockBytes.set(name, blockEnd.end);
  }
  return { summary: { ...emptySummary, records, next }, dataBytes: end.end };
}

function stateLine(summary: LedgerSummary, dataBytes: number, blockBytes: ReadonlyMap<string, number>): Record<string, unknown> {
  const rxdgt: CommitState = {
    version: 2,
    records: summary.records,
    rejected: summary.rejected,
    next: summary.next,
    unsettled: summary.unsettled,
    ...(summary.input === undefined ? {} : { input: summary.input }),
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
  if (line === null || typeof line !== 'object' || Array.isArray(line)) {
    throw new ConfigError('the last line is not a dataloader state; the file was changed outside rxdgt: restore it, or start over with --restart', { file: path });
  }
  const { rxdgt, ...position } = line;
  if (rxdgt === undefined) return undefined;
  if (rxdgt === null || typeof rxdgt !== 'object' || (rxdgt as { version?: unknown }).version !== 2) {
    throw new ConfigError('was written by another version of rxdgt; start over with --restart', { file: path });
  }
  return { state: rxdgt as CommitState, position: Object.keys(position).length > 0 ? position : undefined };
}

/** Cuts a file to the length its last commit recorded; returns that length. */
function cutTo(path: string, bytes: number, repairs: string[]): number {
  const size = existsSync(path) ? statSync(path).size : 0;
  if (size < bytes) {
    throw new ConfigError(`holds ${size} bytes but its last commit recorded ${bytes}: it was changed outside rxdgt; restore it, or start over with --restart`, { file: path });
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
    throw new ConfigError(`line ${number} is not valid JSON (${(error as Error).message}); repair or remove it, or start over with --restart`, { file: path, cause: error });
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
