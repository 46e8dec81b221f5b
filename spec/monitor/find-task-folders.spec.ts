import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTaskFolders } from '../../lib/monitor/find-task-folders.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function taskFolder(path: string, file = 'task_card.jsonl'): void {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, file), '');
}

describe('findTaskFolders', () => {
  it('finds task folders by their files, nested ones included, breadth first', async () => {
    const root = tempDir();
    taskFolder(join(root, 'geo'));
    taskFolder(join(root, 'geo', 'nested'), 'task_results.jsonl');
    taskFolder(join(root, 'samples', 'qa'), 'dataloader_state.jsonl');
    mkdirSync(join(root, 'empty'));
    writeFileSync(join(root, 'geo', 'final_data.jsonl'), '');
    expect(await findTaskFolders(root)).toEqual([join(root, 'geo'), join(root, 'geo', 'nested'), join(root, 'samples', 'qa')].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b)));
  });

  it('enters no link, dot folder nor blocks/ folder, and finds nothing under a missing root', async () => {
    const root = tempDir();
    const outside = tempDir();
    taskFolder(join(outside, 'secret'));
    taskFolder(join(root, 'geo'));
    taskFolder(join(root, 'geo', 'blocks', 'odd'));
    taskFolder(join(root, '.cache', 'hidden'));
    symlinkSync(outside, join(root, 'linked'));
    expect(await findTaskFolders(root)).toEqual([join(root, 'geo')]);
    expect(await findTaskFolders(join(root, 'missing'))).toEqual([]);
  });
});
