import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { lmdbStore } from '../src/index.ts';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const writer = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'troupe-lmdb-crash-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Runs the writer until it has acknowledged `acknowledgements` saves, then SIGKILLs it mid-write. */
function runAndKill(path: string, acknowledgements: number): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@troupe/source', '--import', 'tsx', writer, path], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged = new Map<string, number>();
    let count = 0;
    let buffered = '';
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [, sessionId, version] = line.split(' ');
        acknowledged.set(sessionId as string, Number(version));
        count++;
      }
      if (count >= acknowledgements && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`the crash writer exited early (code ${code}): ${errors}`));
    });
  });
}

describe('lmdbStore crash safety', () => {
  it('keeps every acknowledged save, untorn, after the writing process is killed with SIGKILL', {
    timeout: 60_000,
  }, async () => {
    const path = join(directory, 'killed');
    for (let round = 0; round < 2; round++) {
      const acknowledged = await runAndKill(path, 60);
      expect(acknowledged.size).toBeGreaterThan(0);
      const store = lmdbStore({ path });
      try {
        for (const [sessionId, version] of acknowledged) {
          const snapshot = await store.load(sessionId);
          // Saves in flight at the kill may have landed too, but nothing acknowledged is missing.
          expect(snapshot?.version).toBeGreaterThanOrEqual(version);
          if (!snapshot) continue;
          const turn = snapshot.state.turn as number;
          expect(snapshot.version).toBe(turn);
          expect(snapshot.state.checksum).toBe(turn * 7);
          expect(snapshot.history).toHaveLength(turn);
          snapshot.history.forEach((message, index) => {
            expect(message.content).toMatch(new RegExp(`^turn ${index + 1} x{20000}$`));
          });
        }
        const listed = await store.list({ prefix: 'crash-' });
        for (const summary of listed.sessions)
          expect((await store.load(summary.sessionId))?.version).toBe(summary.version);
      } finally {
        await store.close();
      }
    }
  });
});
