import type { Message, SessionSnapshot } from '@troupe/core';

/** A snapshot of a session that was never saved (version 0). */
export function newSnapshot(
  sessionId: string,
  overrides: Partial<Omit<SessionSnapshot, 'sessionId'>> = {},
): SessionSnapshot {
  return {
    sessionId,
    history: [{ role: 'user', content: `hello from ${sessionId}` }],
    state: { turns: 1 },
    version: 0,
    updatedAt: 0,
    ...overrides,
  };
}

/** One message of every role and every content part shape, with the optional fields set. */
export function everyMessageShape(): Message[] {
  return [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'plain string content' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        {
          type: 'image',
          mediaType: 'image/png',
          data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
        },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'The user wants a description.', signature: 'sig-abc123==' },
        {
          type: 'reasoning',
          text: '',
          providerMetadata: { openai: { itemId: 'rs_1', encryptedContent: 'gAAAAB...' } },
        },
        { type: 'text', text: 'A single pixel.' },
      ],
      toolCalls: [
        { id: 'call_1', name: 'lookup', arguments: { query: 'pixel', limit: 3, exact: false, tags: ['a', 'b'] } },
        {
          id: 'call_2',
          name: 'noArguments',
          arguments: {},
          providerMetadata: { gemini: { thoughtSignature: 'c2lnbmF0dXJl' } },
        },
        { id: 'call_3', name: 'nullish', arguments: null },
      ],
    },
    { role: 'tool', toolCallId: 'call_1', toolName: 'lookup', content: '{"found":1}' },
    { role: 'tool', toolCallId: 'call_2', toolName: 'noArguments', content: 'failed: timeout', isError: true },
    { role: 'assistant', content: [] },
  ];
}

/** Text in many scripts, with emoji (including joined sequences), combining marks and escapes. */
export const unicodeSamples: readonly string[] = [
  'Grüße, Jürgen! Ça va? ¿Qué tal? Ñandú',
  '日本語のテキスト、中文文本、한국어 텍스트',
  'مرحبا بالعالم — שלום עולם',
  '👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🇫🇷 𝄞 𝕳𝖊𝖑𝖑𝖔',
  'e\u0301 vs é, Å vs A\u030A, \u200b zero width, \u2028 line separator, \ufeff BOM',
  'quotes " \' ` and backslashes \\ \\\\ and {"json":"inside"} and \n\r\t control',
];

/** State with nesting, every JSON value type, and awkward keys. */
export function nestedState(): Record<string, unknown> {
  return {
    counter: 42,
    ratio: -0.125,
    big: Number.MAX_SAFE_INTEGER,
    flag: true,
    nothing: null,
    empty: { object: {}, array: [], string: '' },
    deep: { a: { b: { c: { d: { e: { f: ['g', { h: [1, [2, [3, [4]]]] }] } } } } } },
    'key with spaces': 1,
    'ключ 🔑': 'значение',
    '': 'empty key',
    list: Array.from({ length: 50 }, (_, index) => ({ index, even: index % 2 === 0 })),
  };
}

/** A history of about `bytes` bytes of JSON (default 1 MiB), alternating user and assistant messages. */
export function largeHistory(bytes = 1024 * 1024): Message[] {
  const chunk = 'Lorem ipsum dolor sit amet, ünïcödé 🎭, '.repeat(25);
  const history: Message[] = [];
  let size = 0;
  for (let index = 0; size < bytes; index++) {
    const text = `${index}: ${chunk}`;
    const message: Message =
      index % 2 === 0 ? { role: 'user', content: text } : { role: 'assistant', content: [{ type: 'text', text }] };
    history.push(message);
    size += Buffer.byteLength(JSON.stringify(message)) + 1;
  }
  return history;
}

/**
 * Session ids a store must treat like any other: SQL and JSON metacharacters, path separators,
 * LIKE wildcards, whitespace, non-Latin scripts, emoji, and 10 KB ids (two sharing a 10,000
 * character prefix).
 */
export function hostileSessionIds(): string[] {
  return [
    "o'brien",
    'say "hi"',
    "'; DROP TABLE troupe_sessions; --",
    'Robert"); DELETE FROM sessions; --',
    '../../etc/passwd',
    '..\\..\\windows\\system32',
    '/leading/slash/',
    'trailing space ',
    ' ',
    'tab\tand\nnewline',
    '100%_done_\\',
    '*?[]{}()$^|+.',
    'ユーザー/会話#1',
    '🎭👩‍💻🔥',
    `long-${'x'.repeat(10_240)}-a`,
    `long-${'x'.repeat(10_240)}-b`,
    `wide-${'界'.repeat(3_500)}`,
  ];
}
