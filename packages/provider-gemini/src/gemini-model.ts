import { GoogleGenAI } from '@google/genai';
import {
  AuthenticationError,
  abortReason,
  type LanguageModel,
  type ModelChunk,
  type ModelRequest,
  type StreamOptions,
} from '@troupe/core';
import { fromGeminiHttpError, toGeminiError } from './gemini-errors.ts';
import { toGeminiRequest } from './gemini-request.ts';
import { type GeminiStreamChunk, GeminiStreamDecoder } from './gemini-stream.ts';

interface GeminiCommonOptions {
  /** Model id, e.g. `gemini-2.5-flash`. */
  model: string;
  /** API endpoint (origin); defaults to Google's. */
  baseURL?: string;
  /** A preconfigured SDK client, used as it is (error headers such as `retry-after` are then not read). */
  client?: GoogleGenAI;
  /** Extra HTTP headers sent with every request. */
  headers?: Record<string, string>;
  /** API version path segment, e.g. `v1beta` (the SDK default) or `v1`. */
  apiVersion?: string;
}

/** Options of {@link gemini} for the Gemini API (AI Studio). */
export interface GeminiApiOptions extends GeminiCommonOptions {
  /** API key; defaults to `GEMINI_API_KEY`, then `GOOGLE_API_KEY`. */
  apiKey?: string;
  vertex?: undefined;
}

/** Options of {@link gemini} for Vertex AI (credentials from Application Default Credentials). */
export interface GeminiVertexOptions extends GeminiCommonOptions {
  /** Google Cloud project and region of the Vertex AI endpoint. */
  vertex: { project: string; location: string };
  /** A Vertex express-mode API key instead of Application Default Credentials. */
  apiKey?: string;
}

/** Options of {@link gemini}. */
export type GeminiOptions = GeminiApiOptions | GeminiVertexOptions;

function environmentVariable(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Wraps fetch so an HTTP error becomes a core error while its headers are still at hand (the SDK's
 * own error keeps only the status), which is where `retry-after` lives.
 */
function errorMappingFetch(): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (response.ok) return response;
    const body = await response.text().catch(() => '');
    throw fromGeminiHttpError({ status: response.status, body, headers: response.headers });
  };
}

class GeminiModel implements LanguageModel {
  readonly provider = 'gemini';
  readonly modelId: string;
  private client: GoogleGenAI | undefined;

  constructor(private readonly options: GeminiOptions) {
    this.modelId = options.model;
    this.client = options.client;
  }

  stream(request: ModelRequest, options: StreamOptions = {}): AsyncIterable<ModelChunk> {
    return this.run(request, options.signal);
  }

  private sdk(): GoogleGenAI {
    if (this.client) return this.client;
    const options = this.options;
    // No retryOptions: the SDK then makes exactly one attempt; the runtime's model actor retries.
    const httpOptions = {
      fetch: errorMappingFetch(),
      ...(options.baseURL === undefined ? {} : { baseUrl: options.baseURL }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.apiVersion === undefined ? {} : { apiVersion: options.apiVersion }),
    };
    if (options.vertex) {
      this.client = new GoogleGenAI({
        vertexai: true,
        project: options.vertex.project,
        location: options.vertex.location,
        ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
        httpOptions,
      });
      return this.client;
    }
    const apiKey = options.apiKey ?? environmentVariable('GEMINI_API_KEY') ?? environmentVariable('GOOGLE_API_KEY');
    if (apiKey === undefined) {
      throw new AuthenticationError(
        'No Gemini API key: pass `apiKey` to gemini() or set GEMINI_API_KEY (or GOOGLE_API_KEY)',
        { provider: this.provider },
      );
    }
    this.client = new GoogleGenAI({ apiKey, httpOptions });
    return this.client;
  }

  private async *run(request: ModelRequest, signal: AbortSignal | undefined): AsyncGenerator<ModelChunk> {
    if (signal?.aborted) throw abortReason(signal);
    const client = this.sdk();
    const { contents, config } = toGeminiRequest(request);
    const decoder = new GeminiStreamDecoder();
    try {
      const stream = await client.models.generateContentStream({
        model: this.modelId,
        contents: contents as never,
        config: { ...config, ...(signal ? { abortSignal: signal } : {}) } as never,
      });
      for await (const chunk of stream) {
        if (signal?.aborted) break;
        for (const output of decoder.decode(chunk as unknown as GeminiStreamChunk)) yield output;
      }
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw toGeminiError(error);
    }
    if (signal?.aborted) throw abortReason(signal);
    yield* decoder.finish();
  }
}

/**
 * A Google Gemini model (Gemini API or Vertex AI, streaming) as a Troupe `LanguageModel`.
 *
 * @example
 * const model = gemini({ model: 'gemini-2.5-flash' });
 * const onVertex = gemini({ model: 'gemini-2.5-pro', vertex: { project: 'my-project', location: 'us-central1' } });
 */
export function gemini(options: GeminiOptions): LanguageModel {
  return new GeminiModel(options);
}
