export {
  type ScriptedResponse,
  unwrittenWire,
  type WireErrorKind,
  type WireFormat,
  type WireHttpResponse,
  type WireStream,
} from './wire-format.ts';
export { anthropicWire } from './wires/anthropic.ts';
export { geminiWire } from './wires/gemini.ts';
export { ollamaWire } from './wires/ollama.ts';
export { openaiChatWire } from './wires/openai-chat.ts';
