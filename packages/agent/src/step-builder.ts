import { type ModelChunk, type ModelResponse, ModelResponseBuilder } from '@troupe/core';

/** Text deltas joined into one flat piece at a time. */
const piece = 256;

/**
 * Folds one model step's chunks into a response, like the core `ModelResponseBuilder`, but joins
 * text deltas a few hundred at a time: appending each delta to the text would keep one rope node
 * (32 bytes) per delta alive until the step ends, several times the text of a long answer.
 */
export class StepBuilder {
  private readonly builder = new ModelResponseBuilder();
  private readonly texts: string[] = [];

  add(chunk: ModelChunk): void {
    if (chunk.type === 'text-delta') {
      this.texts.push(chunk.text);
      if (this.texts.length >= piece) this.flush();
      return;
    }
    if (this.texts.length > 0) this.flush();
    this.builder.add(chunk);
  }

  build(): ModelResponse {
    if (this.texts.length > 0) this.flush();
    return this.builder.build();
  }

  private flush(): void {
    this.builder.add({ type: 'text-delta', text: this.texts.join('') });
    this.texts.length = 0;
  }
}
