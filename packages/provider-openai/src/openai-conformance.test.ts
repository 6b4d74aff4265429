import { openaiChatWire, runProviderConformance } from '@troupe/provider-testkit';
import { openai } from './openai-model.ts';

runProviderConformance({
  name: 'openai',
  wire: openaiChatWire,
  create: (baseURL) => openai({ model: 'gpt-4o-mini', apiKey: 'sk-test', baseURL: `${baseURL}/v1` }),
  capabilities: {
    // Chat Completions from api.openai.com carries no reasoning text; compatible servers stream
    // `reasoning_content`, which the driver reads (and the wire writes).
    reasoning: true,
    reasoningSignatures: false,
    parallelToolCalls: true,
    cachedTokens: true,
    reasoningTokens: true,
    jsonResponseFormat: true,
    images: true,
    aimock: { reasoning: true, usage: true },
  },
});
