import { abortReason, type Clock, systemClock } from '../clock.ts';
import { InvalidArgumentError } from '../errors.ts';
import { cloneData } from '../internal/clone-data.ts';
import type { ToolCall, Usage } from '../messages.ts';
import type { FinishReason, LanguageModel, ModelChunk, ModelRequest, StreamOptions } from '../model.ts';

/** One scripted response. */
export interface ModelScript {
  chunks: ModelChunk[];
  /** Waits this long on the model's clock before each chunk. */
  delayMs?: number;
  /** Thrown after `errorAfter` chunks (default: before the first). */
  error?: unknown;
  errorAfter?: number;
}

/** A script: chunks, a full {@link ModelScript}, or a function of the request returning either. */
export type ScriptStep =
  | ModelChunk[]
  | ModelScript
  | ((request: ModelRequest, call: number) => ModelChunk[] | ModelScript);

/** Options of {@link scriptedModel}. */
export interface ScriptedModelOptions {
  provider?: string;
  modelId?: string;
  /** Clock for `delayMs`. Default: the system clock. */
  clock?: Clock;
  /** What happens when the scripts run out: throw (default) or replay the last one. */
  whenExhausted?: 'throw' | 'repeat-last';
  /**
   * Keep a copy of every request in `requests` (default true). Turn it off for a model that serves
   * an unbounded number of calls (a demo, a benchmark), where the copies would only pile up.
   */
  recordRequests?: boolean;
}

/** A {@link LanguageModel} that replays scripts, one per `stream` call, and records every request. */
export interface ScriptedModel extends LanguageModel {
  /** Every request received, in order (deep copies); empty with `recordRequests: false`. */
  readonly requests: ModelRequest[];
  /** Number of `stream` calls so far. */
  readonly calls: number;
  /** Appends more scripts. */
  push(...steps: ScriptStep[]): void;
}

/**
 * A fake model for unit tests: each `stream` call replays the next script. Honours the abort
 * signal between chunks (and during delays), throwing the signal's reason.
 */
export function scriptedModel(steps: ScriptStep[], options: ScriptedModelOptions = {}): ScriptedModel {
  const queue = [...steps];
  const requests: ModelRequest[] = [];
  const clock = options.clock ?? systemClock;
  const recordRequests = options.recordRequests !== false;
  let calls = 0;
  let last: ScriptStep | undefined;

  const next = (request: ModelRequest, call: number): ModelScript => {
    let step = queue.shift();
    if (step === undefined) {
      if (options.whenExhausted === 'repeat-last' && last !== undefined) step = last;
      else {
        throw new InvalidArgumentError(`scriptedModel received call ${call + 1} but has only ${call} scripts.`, {
          remedy: "Add a script for every model call the test makes, or pass whenExhausted: 'repeat-last'.",
        });
      }
    }
    last = step;
    const resolved = typeof step === 'function' ? step(request, call) : step;
    return Array.isArray(resolved) ? { chunks: resolved } : resolved;
  };

  return {
    provider: options.provider ?? 'scripted',
    modelId: options.modelId ?? 'scripted-model',
    requests,
    get calls() {
      return calls;
    },
    push(...more) {
      queue.push(...more);
    },
    async *stream(request: ModelRequest, streamOptions: StreamOptions = {}): AsyncIterable<ModelChunk> {
      const call = calls++;
      if (recordRequests) requests.push(cloneData(request));
      const script = next(request, call);
      const signal = streamOptions.signal;
      const errorAfter = script.error === undefined ? Number.POSITIVE_INFINITY : (script.errorAfter ?? 0);
      // Like an HTTP stream, one abort listener serves the whole call rather than one per delay.
      const delay = script.delayMs ? new AbortableDelay(clock, script.delayMs, signal) : undefined;
      try {
        for (let index = 0; ; index++) {
          // With a delay its listener keeps the flag; reading `signal.aborted` costs a validation per read.
          if (delay ? delay.aborted : signal?.aborted) throw signal?.reason;
          if (index === errorAfter) throw script.error;
          const chunk = script.chunks[index];
          if (chunk === undefined) return;
          if (delay) await delay.wait();
          yield cloneData(chunk);
        }
      } finally {
        delay?.dispose();
      }
    },
  };
}

/** Waits of one length on a clock, cut short by one listener on `signal` for as long as it is used. */
class AbortableDelay {
  /** True once `signal` is aborted. */
  aborted: boolean;
  private cutShort: ((reason: unknown) => void) | undefined;
  private readonly onAbort = () => {
    this.aborted = true;
    this.cutShort?.(abortReason(this.signal as AbortSignal));
  };

  constructor(
    private readonly clock: Clock,
    private readonly delayMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.aborted = signal?.aborted === true;
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  wait(): Promise<void> {
    if (this.aborted) return Promise.reject(abortReason(this.signal as AbortSignal));
    return new Promise<void>((resolve, reject) => {
      const handle = this.clock.setTimeout(() => {
        this.cutShort = undefined;
        resolve();
      }, this.delayMs);
      this.cutShort = (reason) => {
        this.cutShort = undefined;
        this.clock.clearTimeout(handle);
        reject(reason);
      };
    });
  }

  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

/** Chunks of a plain text answer: one delta per word-ish piece, usage, then `finish: stop`. */
export function textReply(text: string, options: { usage?: Usage; pieces?: number } = {}): ModelChunk[] {
  const chunks: ModelChunk[] = [];
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  for (const piece of pieces) chunks.push({ type: 'text-delta', text: piece });
  chunks.push({ type: 'usage', usage: options.usage ?? { inputTokens: 10, outputTokens: pieces.length } });
  chunks.push({ type: 'finish', reason: 'stop' });
  return chunks;
}

/**
 * Chunks of a response that calls tools: for each call, its argument JSON streamed in two deltas
 * and then the complete call; usage; `finish: tool-calls`.
 */
export function toolCallReply(
  calls: Array<{ name: string; arguments?: unknown; id?: string }>,
  options: { usage?: Usage; text?: string } = {},
): ModelChunk[] {
  const chunks: ModelChunk[] = [];
  if (options.text) chunks.push({ type: 'text-delta', text: options.text });
  calls.forEach((spec, index) => {
    const call: ToolCall = { id: spec.id ?? `call_${index + 1}`, name: spec.name, arguments: spec.arguments ?? {} };
    const json = JSON.stringify(call.arguments);
    const middle = Math.floor(json.length / 2);
    chunks.push({
      type: 'tool-call-delta',
      index,
      id: call.id,
      name: call.name,
      argumentsDelta: json.slice(0, middle),
    });
    chunks.push({ type: 'tool-call-delta', index, argumentsDelta: json.slice(middle) });
    chunks.push({ type: 'tool-call', call });
  });
  chunks.push({ type: 'usage', usage: options.usage ?? { inputTokens: 10, outputTokens: 5 } });
  chunks.push({ type: 'finish', reason: 'tool-calls' satisfies FinishReason });
  return chunks;
}
