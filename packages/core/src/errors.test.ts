import { describe, expect, it, vi } from 'vitest';
import * as errors from './errors.ts';
import {
  AuthenticationError,
  ConcurrentWriteError,
  CorruptSnapshotError,
  ProviderError,
  RateLimitError,
  SessionBacklogFullError,
  StoreError,
  TransientProviderError,
  TroupeError,
  toErrorInfo,
} from './errors.ts';

type AnyErrorClass = new (message: string, options: { provider: string }) => TroupeError;

const errorClasses = (Object.entries(errors) as Array<[string, unknown]>).filter(
  (entry): entry is [string, AnyErrorClass] =>
    typeof entry[1] === 'function' && (entry[1] === TroupeError || entry[1].prototype instanceof TroupeError),
);

const expectedCodes: Record<string, string> = {
  SessionBacklogFullError: 'SESSION_BACKLOG_FULL',
  ConcurrentWriteError: 'CONCURRENT_WRITE',
  MailboxFullError: 'MAILBOX_FULL',
  AskTimeoutError: 'ASK_TIMEOUT',
  ActorStoppedError: 'ACTOR_STOPPED',
  RuntimeStoppedError: 'RUNTIME_STOPPED',
  TurnAbortedError: 'TURN_ABORTED',
  MaxStepsExceededError: 'MAX_STEPS_EXCEEDED',
  ToolValidationError: 'TOOL_VALIDATION',
  ToolNotFoundError: 'TOOL_NOT_FOUND',
  ToolTimeoutError: 'TOOL_TIMEOUT',
  RateLimitError: 'RATE_LIMITED',
  AuthenticationError: 'AUTHENTICATION',
  ContextLengthError: 'CONTEXT_LENGTH',
  TransientProviderError: 'PROVIDER_UNAVAILABLE',
  ProviderProtocolError: 'PROVIDER_PROTOCOL',
  ProviderRequestError: 'PROVIDER_REQUEST',
  StoreError: 'STORE',
  CorruptSnapshotError: 'CORRUPT_SNAPSHOT',
};

describe('the error family', () => {
  it('has every class DESIGN.md names, each with its code', () => {
    const byName = new Map(errorClasses);
    for (const [name, code] of Object.entries(expectedCodes)) {
      const ErrorClass = byName.get(name);
      expect(ErrorClass, name).toBeDefined();
      const error = new (ErrorClass as AnyErrorClass)('Something happened', { provider: 'openai' });
      expect(error.code, name).toBe(code);
      expect(error.name, name).toBe(name);
      expect(error).toBeInstanceOf(Error);
    }
  });

  it('appends what to do to every message', () => {
    for (const [name, ErrorClass] of errorClasses) {
      const error = new ErrorClass('The thing broke', { provider: 'openai' });
      expect(error.remedy.length, name).toBeGreaterThan(15);
      expect(error.message, name).toBe(`The thing broke. ${error.remedy}`);
    }
  });

  it('takes a custom remedy and keeps the cause', () => {
    const cause = new Error('socket hang up');
    const error = new StoreError('Saving session s1 failed', { cause, remedy: 'Check the disk.', sessionId: 's1' });
    expect(error.message).toBe('Saving session s1 failed. Check the disk.');
    expect(error.cause).toBe(cause);
    expect(error.sessionId).toBe('s1');
  });

  it('recognises subclasses through the base classes', () => {
    const error = new RateLimitError('429 from openai', { provider: 'openai', retryAfterMs: 2000, status: 429 });
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(TroupeError.isInstance(error)).toBe(true);
    expect(AuthenticationError.isInstance(error)).toBe(false);
    expect(StoreError.isInstance(error)).toBe(false);
    expect(CorruptSnapshotError.isInstance(new StoreError('x'))).toBe(false);
    expect(StoreError.isInstance(new CorruptSnapshotError('x', { sessionId: 's' }))).toBe(true);
    for (const value of [new Error('plain'), null, undefined, 'RATE_LIMITED', { code: 'RATE_LIMITED' }]) {
      expect(TroupeError.isInstance(value)).toBe(false);
    }
  });

  it('recognises errors thrown by another copy of the package', async () => {
    vi.resetModules();
    // A query string makes the module loader evaluate the file again: a second copy of every class.
    const copyPath = './errors.ts?duplicate-copy';
    const copy = (await import(/* @vite-ignore */ copyPath)) as typeof errors;
    expect(copy.RateLimitError).not.toBe(RateLimitError);
    const foreign = new copy.RateLimitError('429', { provider: 'anthropic' });
    expect(foreign instanceof RateLimitError).toBe(false);
    expect(RateLimitError.isInstance(foreign)).toBe(true);
    expect(ProviderError.isInstance(foreign)).toBe(true);
    expect(copy.TroupeError.isInstance(new SessionBacklogFullError('full'))).toBe(true);
    expect(copy.ConcurrentWriteError.isInstance(new SessionBacklogFullError('full'))).toBe(false);
  });

  it('defaults retryable per provider error class and lets callers override it', () => {
    expect(new RateLimitError('x', { provider: 'p' }).retryable).toBe(true);
    expect(new TransientProviderError('x', { provider: 'p' }).retryable).toBe(true);
    expect(new AuthenticationError('x', { provider: 'p' }).retryable).toBe(false);
    expect(new ProviderError('x', { provider: 'p' }).retryable).toBe(false);
    expect(new TransientProviderError('x', { provider: 'p', retryable: false }).retryable).toBe(false);
    const error = new RateLimitError('x', { provider: 'openai', status: 429, retryAfterMs: 1500 });
    expect([error.provider, error.status, error.retryAfterMs]).toEqual(['openai', 429, 1500]);
  });

  it('carries typed fields', () => {
    const error = new ConcurrentWriteError('Session s1 changed', {
      sessionId: 's1',
      expectedVersion: 3,
      actualVersion: 4,
    });
    expect([error.sessionId, error.expectedVersion, error.actualVersion]).toEqual(['s1', 3, 4]);
  });

  it('describes any thrown value as plain data', () => {
    expect(toErrorInfo(new SessionBacklogFullError('Too many turns'))).toMatchObject({
      name: 'SessionBacklogFullError',
      code: 'SESSION_BACKLOG_FULL',
    });
    expect(toErrorInfo(new TypeError('bad'))).toEqual({ name: 'TypeError', code: 'UNKNOWN', message: 'bad' });
    expect(toErrorInfo('boom')).toEqual({ name: 'Error', code: 'UNKNOWN', message: 'boom' });
    expect(JSON.parse(JSON.stringify(new StoreError('Disk full')))).toMatchObject({
      code: 'STORE',
      name: 'StoreError',
    });
  });
});
