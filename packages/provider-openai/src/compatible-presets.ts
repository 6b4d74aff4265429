import { InvalidArgumentError, type LanguageModel } from '@troupe/core';
import { AzureOpenAI } from 'openai';
import { chatModel, environment, requireApiKey } from './chat-model.ts';
import type { ChatDialect } from './chat-request.ts';
import { buildClient } from './openai-model.ts';

// Most compatible servers predate `max_completion_tokens` and take `max_tokens`.
const compatibleDialect: ChatDialect = {
  maxTokensField: 'max_tokens',
  reasoning: 'reasoning_effort',
  sendReasoningContent: false,
};

/** Options of {@link openaiCompatible}. */
export interface OpenAICompatibleOptions {
  /** Base URL of the API, up to and including its version segment, e.g. `https://api.example.com/v1`. */
  baseURL: string;
  /** Model id as the server names it. */
  model: string;
  /** Provider name reported by the model and used in errors and `providerOptions`, e.g. `'deepseek'`. */
  name: string;
  /** API key; servers without authentication may omit it. */
  apiKey?: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Request timeout in milliseconds. */
  timeoutMs?: number;
  /** The field capping output tokens. Default `max_tokens`. */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Send reasoning of earlier assistant turns back as `reasoning_content` (DeepSeek tool loops). Default false. */
  sendReasoningContent?: boolean;
}

/** A model of any server speaking the OpenAI Chat Completions API (DeepSeek, Groq, Together, LM Studio, ...). */
export function openaiCompatible(options: OpenAICompatibleOptions): LanguageModel {
  return chatModel({
    provider: options.name,
    modelId: options.model,
    dialect: {
      ...compatibleDialect,
      maxTokensField: options.maxTokensField ?? 'max_tokens',
      sendReasoningContent: options.sendReasoningContent ?? false,
    },
    createClient: () =>
      buildClient({
        provider: options.name,
        // The SDK insists on a key; servers without authentication ignore this one.
        apiKey: options.apiKey ?? 'no-key',
        baseURL: options.baseURL,
        headers: options.headers,
        timeoutMs: options.timeoutMs,
      }),
  });
}

/** Options of the hosted presets ({@link mistral}, {@link openrouter}). */
export interface HostedPresetOptions {
  /** Model id. */
  model: string;
  /** API key. Default: the preset's environment variable. */
  apiKey?: string;
  /** Base URL, to point at a proxy or a local test server. */
  baseURL?: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Request timeout in milliseconds. */
  timeoutMs?: number;
}

/** A Mistral model (`MISTRAL_API_KEY`), on Mistral's OpenAI-compatible API. */
export function mistral(options: HostedPresetOptions): LanguageModel {
  const provider = 'mistral';
  return chatModel({
    provider,
    modelId: options.model,
    dialect: compatibleDialect,
    createClient: () =>
      buildClient({
        provider,
        apiKey: requireApiKey({ apiKey: options.apiKey, provider, variables: ['MISTRAL_API_KEY'] }),
        baseURL: options.baseURL ?? 'https://api.mistral.ai/v1',
        headers: options.headers,
        timeoutMs: options.timeoutMs,
      }),
  });
}

/** Options of {@link openrouter}. */
export interface OpenRouterOptions extends HostedPresetOptions {
  /** Your site URL, sent as `HTTP-Referer` for OpenRouter's rankings. */
  appUrl?: string;
  /** Your app name, sent as `X-Title`. */
  appName?: string;
}

/** A model routed by OpenRouter (`OPENROUTER_API_KEY`), e.g. `anthropic/claude-sonnet-4`. */
export function openrouter(options: OpenRouterOptions): LanguageModel {
  const provider = 'openrouter';
  const headers: Record<string, string> = { ...options.headers };
  if (options.appUrl !== undefined) headers['HTTP-Referer'] = options.appUrl;
  if (options.appName !== undefined) headers['X-Title'] = options.appName;
  return chatModel({
    provider,
    modelId: options.model,
    dialect: { ...compatibleDialect, reasoning: 'openrouter' },
    createClient: () =>
      buildClient({
        provider,
        apiKey: requireApiKey({ apiKey: options.apiKey, provider, variables: ['OPENROUTER_API_KEY'] }),
        baseURL: options.baseURL ?? 'https://openrouter.ai/api/v1',
        headers,
        timeoutMs: options.timeoutMs,
      }),
  });
}

/** Options of {@link vllm}. */
export interface VllmOptions {
  /** The served model name. */
  model: string;
  /** Base URL. Default: `VLLM_BASE_URL`, else `http://localhost:8000/v1`. */
  baseURL?: string;
  /** API key, when the server was started with `--api-key`. Default: `VLLM_API_KEY`. */
  apiKey?: string;
  /** Request timeout in milliseconds. */
  timeoutMs?: number;
}

/** A model served by vLLM's OpenAI-compatible server. */
export function vllm(options: VllmOptions): LanguageModel {
  return openaiCompatible({
    name: 'vllm',
    model: options.model,
    baseURL: options.baseURL ?? environment('VLLM_BASE_URL') ?? 'http://localhost:8000/v1',
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...((options.apiKey ?? environment('VLLM_API_KEY')) === undefined
      ? {}
      : { apiKey: options.apiKey ?? (environment('VLLM_API_KEY') as string) }),
  });
}

/** Options of {@link azureOpenai}. */
export interface AzureOpenAIOptions {
  /** The deployment name (Azure routes by deployment, not model). */
  deployment: string;
  /** `https://<resource>.openai.azure.com`. Default: `AZURE_OPENAI_ENDPOINT`. */
  endpoint?: string;
  /** API key. Default: `AZURE_OPENAI_API_KEY`. */
  apiKey?: string;
  /** API version. Default: `OPENAI_API_VERSION`, else `2024-10-21`. */
  apiVersion?: string;
  /** Full base URL (`<endpoint>/openai`) instead of `endpoint`, e.g. for a proxy or test server. */
  baseURL?: string;
  /** Model id reported by `modelId`. Default: the deployment name. */
  model?: string;
  /** Request timeout in milliseconds. */
  timeoutMs?: number;
}

/** A model of an Azure OpenAI deployment. */
export function azureOpenai(options: AzureOpenAIOptions): LanguageModel {
  const provider = 'azure-openai';
  const endpoint = options.endpoint ?? environment('AZURE_OPENAI_ENDPOINT');
  if (endpoint === undefined && options.baseURL === undefined) {
    throw new InvalidArgumentError('azureOpenai needs the resource endpoint.', {
      remedy: 'Pass `endpoint` (https://<resource>.openai.azure.com) or set AZURE_OPENAI_ENDPOINT.',
    });
  }
  return chatModel({
    provider,
    modelId: options.model ?? options.deployment,
    dialect: { ...compatibleDialect, maxTokensField: 'max_completion_tokens' },
    createClient: () =>
      new AzureOpenAI({
        apiKey: requireApiKey({ apiKey: options.apiKey, provider, variables: ['AZURE_OPENAI_API_KEY'] }),
        deployment: options.deployment,
        apiVersion: options.apiVersion ?? environment('OPENAI_API_VERSION') ?? '2024-10-21',
        ...(options.baseURL === undefined ? { endpoint } : { baseURL: options.baseURL }),
        maxRetries: 0,
        logLevel: 'off',
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      }),
  });
}
