import {
  AuthenticationError,
  ContextLengthError,
  type ProviderError,
  ProviderProtocolError,
  ProviderRequestError,
  RateLimitError,
  TransientProviderError,
  TroupeError,
} from '@troupe/core';
import { type HeaderSource, retryAfterMs } from '@troupe/core/internal';

const provider = 'ollama';

const contextOverflow = /context (length|window)|exceeds? (the )?(maximum|context)|too many tokens|prompt is too long/i;

function messageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.error === 'object' && parsed.error !== null) {
      const message = (parsed.error as { message?: unknown }).message;
      if (typeof message === 'string') return message;
    }
  } catch {
    // Not JSON: the body is the message.
  }
  return body.trim() || '(no body)';
}

/** Maps an HTTP error of an Ollama server (or a proxy in front of it) onto a core provider error. */
export function fromOllamaHttpError(response: { status: number; body: string; headers?: HeaderSource }): ProviderError {
  const { status } = response;
  const message = messageOf(response.body);
  const base = { provider, status };
  if (status === 401 || status === 403) {
    return new AuthenticationError(`Ollama refused the request (HTTP ${status}): ${message}`, base);
  }
  if (status === 429) {
    const wait = retryAfterMs(response.headers);
    return new RateLimitError(`Ollama rate-limited the request (HTTP 429): ${message}`, {
      ...base,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (contextOverflow.test(message)) {
    return new ContextLengthError(
      `Ollama: the prompt does not fit the context window (HTTP ${status}): ${message}`,
      base,
    );
  }
  if (status >= 500 || status === 408) {
    const wait = retryAfterMs(response.headers);
    return new TransientProviderError(`Ollama failed (HTTP ${status}): ${message}`, {
      ...base,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  const remedy = status === 404 ? `Pull the model first (\`ollama pull <model>\`) or check the model name.` : undefined;
  return new ProviderRequestError(`Ollama rejected the request (HTTP ${status}): ${message}`, {
    ...base,
    ...(remedy === undefined ? {} : { remedy }),
  });
}

/** Maps anything the Ollama client throws onto the core provider errors. */
export function toOllamaError(error: unknown): Error {
  if (TroupeError.isInstance(error)) return error as TroupeError;
  if (error instanceof Error && error.name === 'ResponseError') {
    const status = (error as Error & { status_code?: number }).status_code ?? 500;
    return fromOllamaHttpError({ status, body: JSON.stringify({ error: error.message }) });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/Did not receive done/i.test(message) || error instanceof SyntaxError) {
    return new ProviderProtocolError(`The Ollama stream ended or broke before it was done: ${message}`, {
      provider,
      cause: error,
    });
  }
  if (contextOverflow.test(message)) {
    return new ContextLengthError(`Ollama: ${message}`, { provider, cause: error });
  }
  return new TransientProviderError(`Ollama failed: ${message}`, { provider, cause: error });
}
