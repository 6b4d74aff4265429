import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionSnapshot } from '@troupe/core';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { lmdbEnvironmentSettings, lmdbStore, openLmdbDatabases } from '../src/lmdb-store.ts';
import { recordShapesKey } from '../src/session-key.ts';
import { shapeVariants } from './shape-variants.ts';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const writer = fileURLToPath(new URL('./shapes-writer.ts', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'troupe-lmdb-shapes-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface WriterOutput {
  loaded: (SessionSnapshot | undefined)[];
  saved: SessionSnapshot;
}

/** Runs the writer in another process; resolves with what it loaded and saved. */
function runWriter(
  path: string,
  run: { variant: string; sessionId: string; readIds: string[] },
): Promise<WriterOutput> {
  const { variant, sessionId, readIds } = run;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@troupe/source', '--import', 'tsx', writer, path, variant, sessionId, ...readIds],
      { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the shapes writer failed (code ${code}): ${errors}`));
      const lines = output
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { loaded?: SessionSnapshot; saved?: SessionSnapshot });
      const saved = lines.at(-1)?.saved;
      if (!saved) return reject(new Error(`the shapes writer printed no save: ${output}`));
      resolve({ loaded: lines.slice(0, -1).map((line) => line.loaded), saved });
    });
  });
}

describe('lmdbStore shared record shapes across processes', () => {
  it("lets processes add shapes the others have not seen and read each other's records", {
    timeout: 60_000,
  }, async () => {
    const path = join(directory, 'shared');
    // This store reads the shape table once and keeps it while the other processes extend it.
    const store = lmdbStore({ path });
    const parentPlain = await store.save({
      sessionId: 'parent-plain',
      history: shapeVariants.plain?.() ?? [],
      state: { by: 'parent' },
      version: 0,
      updatedAt: 0,
    });

    const first = await runWriter(path, { variant: 'tools', sessionId: 'child-tools', readIds: ['parent-plain'] });
    expect(first.loaded).toEqual([parentPlain]);
    expect(first.saved.history).toEqual(shapeVariants.tools?.());

    // This store still holds the table as it read it: its append finds the table changed by the
    // other process and is redone on the current table instead of overwriting it.
    const parentReordered = await store.save({
      sessionId: 'parent-reordered',
      history: shapeVariants.reordered?.() ?? [],
      state: { by: 'parent' },
      version: 0,
      updatedAt: 0,
    });
    expect(await store.load('child-tools')).toEqual(first.saved);

    const second = await runWriter(path, {
      variant: 'plain',
      sessionId: 'child-plain',
      readIds: ['parent-plain', 'child-tools', 'parent-reordered'],
    });
    expect(second.loaded).toEqual([parentPlain, first.saved, parentReordered]);
    expect(await store.load('child-plain')).toEqual(second.saved);
    await store.close();

    const reopened = lmdbStore({ path });
    for (const snapshot of [parentPlain, first.saved, parentReordered, second.saved]) {
      expect(await reopened.load(snapshot.sessionId)).toEqual(snapshot);
    }
    await reopened.close();

    const root = open({ path, ...lmdbEnvironmentSettings });
    const stored = openLmdbDatabases(root).documents.getBinary(recordShapesKey);
    await root.close();
    const shapes = JSON.parse(stored?.toString('utf8') ?? '[]') as string[][];
    expect(new Set(shapes.map((shape) => shape.join(','))).size).toBe(shapes.length);
    expect(shapes).toContainEqual(['role', 'toolCallId', 'toolName', 'content', 'isError']);
    expect(shapes).toContainEqual(['content', 'role']);
  });
});
