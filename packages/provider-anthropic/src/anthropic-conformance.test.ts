import { anthropicWire, runProviderConformance } from '@troupe/provider-testkit';
import { anthropic } from './anthropic-model.ts';

runProviderConformance({
  name: 'anthropic',
  wire: anthropicWire,
  create: (baseURL) => anthropic({ model: 'claude-conformance', apiKey: 'sk-ant-conformance', baseURL }),
  capabilities: {
    reasoning: true,
    reasoningSignatures: true,
    parallelToolCalls: true,
    cachedTokens: true,
    // Anthropic reports thinking inside output_tokens without a separate count.
    reasoningTokens: false,
    jsonResponseFormat: true,
    images: true,
    aimock: { reasoning: true, usage: true },
  },
});
