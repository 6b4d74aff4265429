import { unwrittenWire, type WireFormat } from '../wire-format.ts';

// Placeholder: replaced by the real anthropic wire format.
export const anthropicWire: WireFormat = unwrittenWire('anthropic');
