import { ToolExecutionError } from '@troupe/core';

/** Default cap on the characters of one tool result sent back to the model. */
export const DEFAULT_MAX_OUTPUT_CHARS = 100_000;

/**
 * The text a model sees for a tool's return value: strings as they are, `undefined` as an empty
 * string, anything else as JSON (bigints as strings). Throws `ToolExecutionError` for values JSON
 * cannot hold (cycles, a function or a symbol), so the caller reports an error result instead of
 * crashing or sending the model an empty answer.
 */
export function serializeToolOutput(value: unknown, toolName = 'tool'): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (typeof value === 'function' || typeof value === 'symbol') {
    throw new ToolExecutionError(`Tool ${toolName} returned a ${typeof value}, which cannot be serialised as JSON`, {
      toolName,
      remedy: 'Return a string or plain JSON data from execute (did it forget to call a function?).',
    });
  }
  try {
    const text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
    return text ?? '';
  } catch (error) {
    throw new ToolExecutionError(
      `Tool ${toolName} returned a value that cannot be serialised as JSON (${(error as Error).message})`,
      { cause: error, toolName, remedy: 'Return a string or plain JSON data from execute.' },
    );
  }
}

/**
 * Cuts `text` to at most `maxChars` characters, ending with a marker saying how much was cut, so
 * the model knows the output is partial. A surrogate pair is never split.
 */
export function truncateToolOutput(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const marker = `\n[output truncated: showing the first %d of ${text.length} characters]`;
  let keep = Math.max(0, maxChars - marker.length - 8);
  const code = text.charCodeAt(keep - 1);
  if (keep > 0 && code >= 0xd800 && code <= 0xdbff) keep -= 1;
  return text.slice(0, keep) + marker.replace('%d', String(keep));
}
