export { type AnthropicOptions, anthropic } from './anthropic-model.ts';
export { defaultMaxOutputTokens, effortBudgets } from './anthropic-request.ts';
