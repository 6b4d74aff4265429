import type { AssistantMessage, ContentPart, ToolCall, Usage } from './messages.ts';
import type { FinishReason, ModelChunk } from './model.ts';

/** A streamed model response gathered into one value. */
export interface ModelResponse {
  /** The assistant message the response amounts to (reasoning, text, tool calls). */
  message: AssistantMessage;
  text: string;
  toolCalls: ToolCall[];
  usage: Usage | undefined;
  finishReason: FinishReason | undefined;
}

/** Text deltas joined into one flat piece at a time. */
const textPiece = 256;

/**
 * Folds model chunks into a response. Adjacent text and reasoning deltas are merged into one part;
 * a reasoning signature attaches to the reasoning part it arrives in. Text deltas are joined a few
 * hundred at a time: appending each delta to the text would keep one rope node (32 bytes) per delta
 * alive until the response is built, several times the text of a long answer.
 */
export class ModelResponseBuilder {
  private readonly parts: ContentPart[] = [];
  private readonly calls: ToolCall[] = [];
  /** Deltas of the trailing text part not joined into it yet. */
  private readonly texts: string[] = [];
  private usage: Usage | undefined;
  private finishReason: FinishReason | undefined;

  add(chunk: ModelChunk): void {
    if (chunk.type === 'text-delta') {
      if (this.texts.length === 0 && this.parts.at(-1)?.type !== 'text') this.parts.push({ type: 'text', text: '' });
      this.texts.push(chunk.text);
      if (this.texts.length >= textPiece) this.joinTexts();
      return;
    }
    if (this.texts.length > 0) this.joinTexts();
    switch (chunk.type) {
      case 'reasoning-delta': {
        const last = this.parts.at(-1);
        if (last?.type === 'reasoning' && last.signature === undefined) {
          last.text += chunk.text;
          if (chunk.signature !== undefined) last.signature = chunk.signature;
        } else {
          const part: ContentPart = { type: 'reasoning', text: chunk.text };
          if (chunk.signature !== undefined) part.signature = chunk.signature;
          this.parts.push(part);
        }
        break;
      }
      case 'tool-call':
        this.calls.push(chunk.call);
        break;
      case 'usage':
        this.usage = chunk.usage;
        break;
      case 'finish':
        this.finishReason = chunk.reason;
        break;
      case 'tool-call-delta':
        break;
    }
  }

  private joinTexts(): void {
    const last = this.parts.at(-1) as Extract<ContentPart, { type: 'text' }>;
    last.text += this.texts.length === 1 ? this.texts[0] : this.texts.join('');
    this.texts.length = 0;
  }

  build(): ModelResponse {
    if (this.texts.length > 0) this.joinTexts();
    const content = this.parts.filter((part) => part.type !== 'text' || part.text.length > 0);
    const message: AssistantMessage = { role: 'assistant', content };
    if (this.calls.length > 0) message.toolCalls = [...this.calls];
    let text = '';
    for (const part of content) if (part.type === 'text') text += part.text;
    return { message, text, toolCalls: [...this.calls], usage: this.usage, finishReason: this.finishReason };
  }
}

/** Drains a model stream into a {@link ModelResponse}. */
export async function collectModelResponse(stream: AsyncIterable<ModelChunk>): Promise<ModelResponse> {
  const builder = new ModelResponseBuilder();
  for await (const chunk of stream) builder.add(chunk);
  return builder.build();
}
