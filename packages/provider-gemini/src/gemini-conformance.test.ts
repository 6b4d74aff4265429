import { geminiWire, runProviderConformance } from '@troupe/provider-testkit';
import { gemini } from './gemini-model.ts';

runProviderConformance({
  name: 'gemini',
  wire: geminiWire,
  create: (baseURL) => gemini({ model: 'gemini-conformance', apiKey: 'gm-conformance', baseURL }),
  capabilities: {
    reasoning: true,
    reasoningSignatures: true,
    parallelToolCalls: true,
    cachedTokens: true,
    reasoningTokens: true,
    jsonResponseFormat: true,
    images: true,
    aimock: { reasoning: true, usage: true },
  },
});
