import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyPlainJson, copyPlainMessages } from './plain-json.ts';

class Part {
  type = 'text';
  text = 'from a class';
}

/** Strings, with now and then one a store cannot keep (an unpaired surrogate). */
const text = fc.oneof({ weight: 6, arbitrary: fc.string() }, fc.constant('a\ud800b'), fc.constant('👩‍👩‍👧'));

/** JSON-ish values, with now and then one that is not plain data. */
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')), tie('value'), { maxKeys: 3 }),
  ),
})).value;

const textPart = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('text'), text }) },
  fc.record({ type: fc.constant('reasoning'), text, signature: text }, { requiredKeys: ['type', 'text'] }),
  fc.record({ type: fc.constant('text'), text, extra: value }),
  fc.constant(new Part()),
  value,
);

const toolCall = fc.oneof(
  { weight: 6, arbitrary: fc.record({ id: text, name: text, arguments: value }) },
  fc.record({ id: text, name: text, arguments: value, providerMetadata: value }),
  value,
);

/** Messages of the usual shapes, their variants, and things that are not messages at all. */
const message = fc.oneof(
  fc.record({ role: fc.constant('user'), content: fc.oneof(text, fc.array(textPart, { maxLength: 3 })) }),
  fc.record({ role: fc.constant('system'), content: text }),
  fc.record(
    {
      role: fc.constant('assistant'),
      content: fc.array(textPart, { maxLength: 3 }),
      toolCalls: fc.array(toolCall, { maxLength: 3 }),
    },
    { requiredKeys: ['role', 'content'] },
  ),
  fc.record(
    {
      role: fc.constant('tool'),
      toolCallId: text,
      toolName: text,
      content: text,
      isError: fc.oneof(fc.boolean(), value),
    },
    { requiredKeys: ['role', 'toolCallId', 'toolName', 'content'] },
  ),
  fc.record({ role: fc.constant('tool'), toolCallId: text, toolName: text, content: text, extra: value }),
  fc.record({ role: fc.constantFrom('user', 'assistant', 'tool'), content: value }),
  value,
);

/** Every object and array inside `value`. */
function objectsOf(value: unknown, found = new Set<object>()): Set<object> {
  if (typeof value === 'object' && value !== null) {
    found.add(value);
    for (const inner of Object.values(value)) objectsOf(inner, found);
  }
  return found;
}

describe('copyPlainMessages', () => {
  it('copies any list of messages to the same data as copyPlainJson, sharing no object with it', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 6 }), (messages) => {
        const expected = copyPlainJson(messages);
        const copied = copyPlainMessages(messages);
        expect(copied).toEqual(expected);
        if (copied === undefined) return;
        expect(copied).toStrictEqual(expected);
        const originals = objectsOf(messages);
        for (const object of objectsOf(copied)) expect(originals.has(object)).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it('copies the usual shapes field by field and refuses what is not plain inside them', () => {
    const turn = [
      { role: 'user', content: 'Weather in Lagos?' },
      { role: 'assistant', content: [], toolCalls: [{ id: 'c1', name: 'get_weather', arguments: { city: 'Lagos' } }] },
      { role: 'tool', toolCallId: 'c1', toolName: 'get_weather', content: '18C', isError: false },
      { role: 'assistant', content: [{ type: 'text', text: 'It is 18C.' }] },
    ];
    expect(copyPlainMessages(turn)).toStrictEqual(turn);
    const withDate = [
      { role: 'assistant', content: [], toolCalls: [{ id: 'c', name: 'n', arguments: { at: new Date(0) } }] },
    ];
    expect(copyPlainMessages(withDate)).toBeUndefined();
    expect(copyPlainMessages([{ role: 'tool', toolCallId: 'c', toolName: 'n', content: 'a\udc00' }])).toBeUndefined();
    expect(copyPlainMessages([{ role: 'user', content: 'x', note: undefined }])).toBeUndefined();
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.polluted = 1;
    try {
      expect(copyPlainMessages([{ role: 'user', content: 'x' }])).toBeUndefined();
    } finally {
      delete prototype.polluted;
    }
  });
});
