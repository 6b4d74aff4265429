// Test support (not exported): starts the real @modelcontextprotocol/server-everything.
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { McpConnectionStatus } from './mcp-connection.ts';
import type { McpStdioServer } from './mcp-server-options.ts';

const require = createRequire(import.meta.url);

/** The server's entry script; fails loudly when the dev dependency is missing. */
export function everythingServerScript(): string {
  let packageJson: string;
  try {
    packageJson = require.resolve('@modelcontextprotocol/server-everything/package.json');
  } catch (error) {
    throw new Error(
      '@modelcontextprotocol/server-everything is not installed; run pnpm install in packages/tool (it is a devDependency).',
      { cause: error },
    );
  }
  return join(dirname(packageJson), 'dist/index.js');
}

/** The stdio server settings for mcpTools. */
export function everythingStdio(): McpStdioServer {
  return { command: process.execPath, args: [everythingServerScript(), 'stdio'], stderr: 'ignore' };
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** A streamable HTTP server-everything on `port`, resolved once it listens. */
export async function startHttpServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [everythingServerScript(), 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server-everything did not start on ${port}: ${output}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on port')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server-everything exited with ${code} before listening: ${output}`));
    });
  });
  return child;
}

/** True while a process with this id exists. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs a process; for a child of this process, waits until it has exited. */
export async function killProcess(child: ChildProcess | number): Promise<void> {
  if (typeof child === 'number') {
    if (isProcessAlive(child)) process.kill(child, 'SIGKILL');
    return;
  }
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** Records status changes and lets a test wait for the next one of a kind. */
export function statusRecorder() {
  const seen: McpConnectionStatus[] = [];
  const waiters: { status: McpConnectionStatus; resolve: () => void }[] = [];
  return {
    seen,
    onStatus(status: McpConnectionStatus) {
      seen.push(status);
      for (const waiter of [...waiters]) {
        if (waiter.status === status) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    },
    /** Resolves when `status` is reported after this call. */
    next(status: McpConnectionStatus): Promise<void> {
      return new Promise((resolve) => waiters.push({ status, resolve }));
    },
  };
}
