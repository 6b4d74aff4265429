/** Default cap on the characters of one tool result sent back to the model. */
export const DEFAULT_MAX_OUTPUT_CHARS = 100_000;

/** Serialises a tool's return value: strings as they are, anything else as JSON. */
export function serializeToolOutput(output: unknown): string {
  if (typeof output === 'string') return output;
  if (output === undefined) return '';
  const json = JSON.stringify(output, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    return value;
  });
  // JSON.stringify answers undefined for functions and symbols.
  if (json === undefined) throw new TypeError(`a ${typeof output} cannot be sent to a model`);
  return json;
}

/** Cuts `text` to `limit` characters, saying how much was cut so the model knows it saw a part. */
export function truncateToolOutput(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const omitted = text.length - limit;
  return `${text.slice(0, limit)}\n…[output truncated: ${omitted} more characters not shown]`;
}
