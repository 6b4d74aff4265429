export { type AimockServer, startAimock } from './aimock-server.ts';
export { type StreamSplit, splitAwkwardly } from './byte-splitter.ts';
export { collectChunks, helloRequest, useFixtureServer } from './fixture-hooks.ts';
export {
  type FixtureReply,
  type FixtureServer,
  type FixtureServerOptions,
  type RecordedRequest,
  startFixtureServer,
} from './fixture-server.ts';
export {
  type AimockCapabilities,
  type ProviderCapabilities,
  type ProviderConformanceOptions,
  runProviderConformance,
} from './provider-conformance.ts';
export {
  type ScriptedResponse,
  unwrittenWire,
  type WireErrorKind,
  type WireFormat,
  type WireHttpResponse,
  type WireMessageSummary,
  type WireRequestSummary,
  type WireStream,
} from './wire-format.ts';
export { anthropicWire } from './wires/anthropic.ts';
export { geminiWire } from './wires/gemini.ts';
export { ollamaWire } from './wires/ollama.ts';
export { openaiChatWire } from './wires/openai-chat.ts';
