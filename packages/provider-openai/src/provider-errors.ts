import {
  AuthenticationError,
  abortReason,
  ContextLengthError,
  ProviderError,
  ProviderProtocolError,
  ProviderRequestError,
  RateLimitError,
  TransientProviderError,
  TroupeError,
} from '@troupe/core';
import { type HeaderSource, retryAfterMs } from '@troupe/core/internal';
import { APIConnectionError, APIError } from 'openai';

// The SDK's errors, read by shape (and class name) so a client from another copy of `openai` maps the same way.
interface ApiErrorLike {
  status?: number;
  headers?: HeaderSource;
  error?: unknown;
  code?: unknown;
  type?: unknown;
  message: string;
  name: string;
}

const contextOverflow =
  /context[_ ]length|maximum context|context window|too many tokens|prompt is too long|reduce the length|input is too long/i;
const networkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function vendorDetail(error: ApiErrorLike): { message: string; code: string | undefined } {
  const body = error.error;
  if (typeof body === 'object' && body !== null) {
    const record = body as { message?: unknown; code?: unknown; type?: unknown };
    const code =
      typeof record.code === 'string' ? record.code : typeof record.type === 'string' ? record.type : undefined;
    if (typeof record.message === 'string') return { message: record.message, code };
    return { message: error.message, code };
  }
  return { message: error.message, code: typeof error.code === 'string' ? error.code : undefined };
}

function isNetworkError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && networkCodes.has(code)) return true;
    if (current instanceof APIConnectionError || /^APIConnection/.test(current.constructor.name)) return true;
    if (current instanceof TypeError && /terminated|fetch failed|network|socket/i.test(current.message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function fromStatus(error: ApiErrorLike, status: number, provider: string): ProviderError {
  const { message, code } = vendorDetail(error);
  const what = `${provider} answered HTTP ${status}: ${message}`;
  const options = { provider, status, cause: error };
  if (status === 401 || status === 403) return new AuthenticationError(what, options);
  if (status === 429) {
    if (code === 'insufficient_quota') {
      return new RateLimitError(what, {
        ...options,
        retryable: false,
        remedy: 'The account is out of quota; check the plan and billing details of the API key.',
      });
    }
    const delay = retryAfterMs(error.headers);
    return new RateLimitError(what, delay === undefined ? options : { ...options, retryAfterMs: delay });
  }
  if (status === 408 || status === 409 || status >= 500) {
    const delay = retryAfterMs(error.headers);
    return new TransientProviderError(what, delay === undefined ? options : { ...options, retryAfterMs: delay });
  }
  if (code === 'context_length_exceeded' || contextOverflow.test(message)) return new ContextLengthError(what, options);
  return new ProviderRequestError(what, options);
}

/**
 * Maps anything the SDK (or the stream) throws onto the core error family. An aborted `signal`
 * wins: the abort reason is returned as is, so callers see their own cancellation.
 */
export function toProviderError(
  error: unknown,
  options: { provider: string; signal?: AbortSignal | undefined },
): Error {
  const { provider, signal } = options;
  if (signal?.aborted) return abortReason(signal);
  if (TroupeError.isInstance(error)) return error as TroupeError;
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') {
    return fromStatus(error as ApiErrorLike, error.status, provider);
  }
  if (isNetworkError(error)) {
    return new TransientProviderError(`The connection to ${provider} failed: ${(error as Error).message}`, {
      provider,
      cause: error,
    });
  }
  if (error instanceof SyntaxError) {
    return new ProviderProtocolError(
      `The ${provider} stream carried a chunk that is not valid JSON: ${error.message}`,
      {
        provider,
        cause: error,
      },
    );
  }
  if (error instanceof APIError || (error instanceof Error && error.constructor.name === 'APIError')) {
    // An error event inside the stream (no HTTP status): the server failed mid-response.
    const { message, code } = vendorDetail(error as ApiErrorLike);
    const what = `${provider} reported an error mid-stream: ${message}`;
    if (code === 'context_length_exceeded' || contextOverflow.test(message)) {
      return new ContextLengthError(what, { provider, cause: error });
    }
    if (code !== undefined && /rate_limit/.test(code)) return new RateLimitError(what, { provider, cause: error });
    return new TransientProviderError(what, { provider, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(`The ${provider} request failed: ${message}`, { provider, cause: error });
}
