import { unwrittenWire, type WireFormat } from '../wire-format.ts';

// Placeholder: replaced by the real ollama wire format.
export const ollamaWire: WireFormat = unwrittenWire('ollama');
