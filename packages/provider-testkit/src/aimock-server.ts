import { type FixtureFileResponse, type FixtureOpts, type JournalEntry, LLMock } from '@copilotkit/aimock';

/** A running aimock server (`@copilotkit/aimock`), which speaks every vendor wire format on one port. */
export interface AimockServer {
  /** The origin, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The underlying aimock instance, for anything the helpers below do not cover. */
  readonly mock: LLMock;
  /**
   * Answers every following request with `response` (aimock's fixture response: `content`,
   * `toolCalls`, `reasoning`, `usage`, or `{ error, status, retryAfter }`), replacing earlier ones.
   * `options` takes aimock's fixture options (`chaos`, `truncateAfterChunks`, `latency`, ...).
   */
  serve(response: FixtureFileResponse, options?: FixtureOpts): void;
  /** Every request aimock received since the last `reset`. */
  requests(): JournalEntry[];
  /** Drops the fixtures and the journal. */
  reset(): void;
  /** Stops the server. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts aimock on 127.0.0.1 with a random port and no fixtures. */
export async function startAimock(): Promise<AimockServer> {
  const mock = new LLMock({ port: 0, host: '127.0.0.1' });
  await mock.start();
  let stopping: Promise<void> | undefined;
  const close = (): Promise<void> => {
    stopping ??= mock.stop();
    return stopping;
  };
  return {
    url: mock.url.replace(/\/$/, ''),
    mock,
    serve(response, options = {}) {
      mock.clearFixtures();
      mock.on({ predicate: () => true }, response, options);
    },
    requests: () => mock.getRequests(),
    reset() {
      mock.clearFixtures();
      mock.clearRequests();
      mock.clearChaos();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
