import { unwrittenWire, type WireFormat } from '../wire-format.ts';

// Placeholder: replaced by the real OpenAI chat completions wire format.
export const openaiChatWire: WireFormat = unwrittenWire('openai-chat');
