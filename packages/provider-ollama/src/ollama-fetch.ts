import { ProviderProtocolError } from '@troupe/core';
import { fromOllamaHttpError } from './ollama-errors.ts';

/**
 * Passes NDJSON bytes through unchanged, but fails the body with a `ProviderProtocolError` at the
 * first complete line that is not JSON (the Ollama client would log and skip it).
 */
function validatingLines(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let buffer = '';
  const check = (line: string) => {
    if (line.trim() === '') return;
    try {
      JSON.parse(line);
    } catch (error) {
      throw new ProviderProtocolError(`Ollama sent a stream line that is not JSON: ${line.slice(0, 120)}`, {
        provider: 'ollama',
        cause: error,
      });
    }
  };
  return new TransformStream({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true });
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) check(line);
      controller.enqueue(chunk);
    },
    flush() {
      buffer += decoder.decode();
      check(buffer);
    },
  });
}

/**
 * The fetch the Ollama client uses for one request: also aborts on the caller's signal (the client
 * only aborts streams through its own controller), turns HTTP errors into core errors while the
 * headers are at hand, and validates every NDJSON line.
 */
export function ollamaFetch(signal: AbortSignal | undefined): typeof fetch {
  return async (input, init = {}) => {
    const signals = [init.signal, signal].filter((entry): entry is AbortSignal => entry != null);
    const combined = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const response = await fetch(input, { ...init, ...(combined ? { signal: combined } : {}) });
    if (!response.ok) {
      const body = await response.text().catch(() => '');
      throw fromOllamaHttpError({ status: response.status, body, headers: response.headers });
    }
    if (!response.body) return response;
    return new Response(response.body.pipeThrough(validatingLines()), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
