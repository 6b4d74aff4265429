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

const provider = 'gemini';

const contextOverflow =
  /input token count|exceeds the maximum number of tokens|context (window|length)|too many tokens/i;
const invalidKey = /API key not valid|API_KEY_INVALID|API key expired|PERMISSION_DENIED|UNAUTHENTICATED/i;

interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{ '@type'?: string; reason?: string; retryDelay?: string }>;
  };
}

function parseBody(text: string): GoogleErrorBody {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (Array.isArray(parsed)) return (parsed[0] ?? {}) as GoogleErrorBody;
    return (parsed ?? {}) as GoogleErrorBody;
  } catch {
    return { error: { message: text } };
  }
}

/** `RetryInfo.retryDelay` ("7s", "0.5s") from a google.rpc error, in milliseconds. */
function retryDelayOf(body: GoogleErrorBody): number | undefined {
  for (const detail of body.error?.details ?? []) {
    const match = /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay ?? '');
    if (match?.[1]) return Math.round(Number(match[1]) * 1000);
  }
  return undefined;
}

/** Maps an HTTP error of the Gemini API onto a core provider error. */
export function fromGeminiHttpError(response: {
  status: number;
  body: string;
  headers?: HeaderSource;
  cause?: unknown;
}): ProviderError {
  const { status, body: bodyText, headers, cause } = response;
  const body = parseBody(bodyText);
  const message = body.error?.message ?? bodyText;
  const reasons = (body.error?.details ?? []).map((detail) => detail.reason ?? '').join(' ');
  const text = `${message} ${body.error?.status ?? ''} ${reasons}`;
  const base = { provider, status, ...(cause === undefined ? {} : { cause }) };
  if (status === 401 || status === 403 || (status === 400 && invalidKey.test(text))) {
    return new AuthenticationError(`Gemini refused the request (HTTP ${status}): ${message}`, base);
  }
  if (status === 429) {
    const wait = retryAfterMs(headers) ?? retryDelayOf(body);
    return new RateLimitError(`Gemini rate-limited the request (HTTP 429): ${message}`, {
      ...base,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (status >= 500 || status === 408) {
    const wait = retryAfterMs(headers);
    return new TransientProviderError(`Gemini is unavailable (HTTP ${status}): ${message}`, {
      ...base,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (contextOverflow.test(text)) {
    return new ContextLengthError(
      `Gemini: the prompt does not fit the context window (HTTP ${status}): ${message}`,
      base,
    );
  }
  return new ProviderRequestError(`Gemini rejected the request (HTTP ${status}): ${message}`, base);
}

const protocolFailure = /Incomplete JSON|exception parsing stream chunk|JSON|Unexpected (token|end)/i;

/** Maps anything the Gemini SDK throws onto the core provider errors. */
export function toGeminiError(error: unknown): Error {
  if (TroupeError.isInstance(error)) return error as TroupeError;
  if (
    error instanceof Error &&
    error.name === 'ApiError' &&
    typeof (error as { status?: unknown }).status === 'number'
  ) {
    // The SDK's ApiError carries the status and the JSON body as its message (no headers).
    const status = (error as unknown as { status: number }).status;
    const json = error.message.replace(/^got status: [^.]*\. /, '');
    return fromGeminiHttpError({ status, body: json, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof SyntaxError || protocolFailure.test(message)) {
    return new ProviderProtocolError(`Gemini sent a stream that cannot be read: ${message}`, {
      provider,
      cause: error,
    });
  }
  return new TransientProviderError(`The connection to Gemini failed: ${message}`, { provider, cause: error });
}
