import type { ModelChunk, ModelRequest } from '@troupe/core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type FixtureServer, type FixtureServerOptions, startFixtureServer } from './fixture-server.ts';

/**
 * A fixture server for the calling test file: started before its tests, reset after each test and
 * closed after all of them. Returns the server's accessor, for use inside tests.
 */
export function useFixtureServer(options: FixtureServerOptions): () => FixtureServer {
  let server: FixtureServer | undefined;
  beforeAll(async () => {
    server = await startFixtureServer(options);
  });
  afterEach(() => server?.reset());
  afterAll(() => server?.close());
  return () => {
    if (server === undefined) throw new Error('The fixture server starts in beforeAll: use it inside tests.');
    return server;
  };
}

/** A request with one user message, the smallest a provider accepts. */
export const helloRequest: ModelRequest = { messages: [{ role: 'user', content: 'Hi' }] };

/** Every chunk of a model stream, in order. */
export async function collectChunks(stream: AsyncIterable<ModelChunk>): Promise<ModelChunk[]> {
  const chunks: ModelChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}
