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

const provider = 'anthropic';

const contextOverflow =
  /prompt is too long|context window|context length|too many (input )?tokens|exceeds? the maximum/i;

interface ApiErrorShape {
  status?: number | undefined;
  headers?: HeaderSource;
  type?: string | null;
  apiMessage?: string | null;
  message: string;
}

function isApiError(error: unknown): error is Error & ApiErrorShape {
  return error instanceof Error && ('status' in error || 'headers' in error) && 'error' in error;
}

function describe(error: ApiErrorShape): string {
  return error.apiMessage ?? error.message;
}

/** Maps anything the Anthropic SDK throws onto the core provider errors. */
export function toAnthropicError(error: unknown): Error {
  if (TroupeError.isInstance(error)) return error as TroupeError;
  if (error instanceof SyntaxError) {
    return new ProviderProtocolError(`Anthropic sent a stream event that is not valid JSON: ${error.message}`, {
      provider,
      cause: error,
    });
  }
  if (isApiError(error)) return fromApiError(error);
  const message = error instanceof Error ? error.message : String(error);
  return new TransientProviderError(`The connection to Anthropic failed: ${message}`, { provider, cause: error });
}

function fromApiError(error: Error & ApiErrorShape): ProviderError {
  const status = error.status;
  const base = { provider, cause: error, ...(status === undefined ? {} : { status }) };
  const text = describe(error);
  if (status === undefined) {
    // An `error` event inside a 200 stream, or a connection failure (APIConnectionError).
    switch (error.type) {
      case 'rate_limit_error':
        return new RateLimitError(`Anthropic rate-limited the request mid-stream: ${text}`, base);
      case 'invalid_request_error':
        return contextOverflow.test(text)
          ? new ContextLengthError(`Anthropic: ${text}`, base)
          : new ProviderRequestError(`Anthropic rejected the request mid-stream: ${text}`, base);
      case 'authentication_error':
      case 'permission_error':
        return new AuthenticationError(`Anthropic refused the API key: ${text}`, base);
      default:
        return new TransientProviderError(`Anthropic failed: ${text}`, base);
    }
  }
  if (status === 401 || status === 403) {
    return new AuthenticationError(`Anthropic refused the request (HTTP ${status}): ${text}`, base);
  }
  if (status === 429) {
    const wait = retryAfterMs(error.headers);
    return new RateLimitError(`Anthropic rate-limited the request (HTTP 429): ${text}`, {
      ...base,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (status >= 500 || status === 408 || status === 409) {
    const wait = retryAfterMs(error.headers);
    return new TransientProviderError(`Anthropic is unavailable (HTTP ${status}): ${text}`, {
      ...base,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (contextOverflow.test(text)) {
    return new ContextLengthError(
      `Anthropic: the prompt does not fit the context window (HTTP ${status}): ${text}`,
      base,
    );
  }
  return new ProviderRequestError(`Anthropic rejected the request (HTTP ${status}): ${text}`, base);
}
