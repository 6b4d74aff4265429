import { ollamaWire, runProviderConformance } from '@troupe/provider-testkit';
import { ollama } from './ollama-model.ts';

runProviderConformance({
  name: 'ollama',
  wire: ollamaWire,
  create: (baseURL) => ollama({ model: 'llama-conformance', host: baseURL }),
  capabilities: {
    reasoning: true,
    // Ollama has no reasoning signatures.
    reasoningSignatures: false,
    parallelToolCalls: true,
    cachedTokens: false,
    reasoningTokens: false,
    jsonResponseFormat: true,
    images: true,
    // aimock's Ollama replies carry zero token counts.
    aimock: { reasoning: true, usage: false },
  },
});
