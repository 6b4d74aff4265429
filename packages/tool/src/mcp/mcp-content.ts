/** One content block of an MCP tool result (the fields Troupe reads). */
interface McpContentBlock {
  type: string;
  text?: string;
  mimeType?: string;
  data?: string;
  uri?: string;
  name?: string;
  resource?: { uri?: string; text?: string; mimeType?: string; blob?: string };
}

/** The parts of an MCP `tools/call` result that become the tool output. */
export interface McpCallResult {
  content?: unknown;
  structuredContent?: unknown;
  isError?: unknown;
}

/**
 * The text a model sees for an MCP tool result: text blocks as they are, embedded text resources
 * inline, and binary blocks (images, audio, blobs) as a short placeholder naming their type and
 * size, since a tool message carries text. Structured content is used when there is no text.
 */
export function mcpResultText(result: McpCallResult): string {
  const blocks = Array.isArray(result.content) ? (result.content as McpContentBlock[]) : [];
  const parts: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'text':
        parts.push(block.text ?? '');
        break;
      case 'image':
      case 'audio':
        parts.push(`[${block.type} ${block.mimeType ?? 'unknown type'}, ${base64Bytes(block.data)} bytes]`);
        break;
      case 'resource': {
        const resource = block.resource ?? {};
        if (typeof resource.text === 'string') parts.push(resource.text);
        else
          parts.push(
            `[resource ${resource.uri ?? ''} ${resource.mimeType ?? ''}, ${base64Bytes(resource.blob)} bytes]`,
          );
        break;
      }
      case 'resource_link':
        parts.push(`[resource link ${block.name ?? ''} ${block.uri ?? ''}]`.replace(/\s+\]/, ']'));
        break;
      default:
        parts.push(`[${block.type} content]`);
    }
  }
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

function base64Bytes(data: string | undefined): number {
  if (data === undefined) return 0;
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}
