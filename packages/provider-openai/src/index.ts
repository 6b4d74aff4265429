export {
  type AzureOpenAIOptions,
  azureOpenai,
  type HostedPresetOptions,
  mistral,
  type OpenAICompatibleOptions,
  type OpenRouterOptions,
  openaiCompatible,
  openrouter,
  type VllmOptions,
  vllm,
} from './compatible-presets.ts';
export { type OpenAIOptions, openai } from './openai-model.ts';
