import { unwrittenWire, type WireFormat } from '../wire-format.ts';

// Placeholder: replaced by the real gemini wire format.
export const geminiWire: WireFormat = unwrittenWire('gemini');
