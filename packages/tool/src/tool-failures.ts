import {
  ToolExecutionError,
  ToolNotFoundError,
  ToolTimeoutError,
  ToolValidationError,
  TroupeError,
  type ValidationIssue,
} from '@troupe/core';
import { formatIssueLines } from './validation-issues.ts';

/** The error reported when a model's arguments do not match the schema, listing every issue. */
export function validationFailure(toolName: string, issues: ValidationIssue[]): ToolValidationError {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return new ToolValidationError(
    `The arguments for tool ${toolName} are invalid (${count}):\n${formatIssueLines(issues)}\n`,
    { toolName, issues, remedy: `Fix these and call ${toolName} again with arguments that match its input schema.` },
  );
}

/** The error reported when a model calls a tool that does not exist, naming the ones that do. */
export function unknownToolFailure(toolName: string, available: string[]): ToolNotFoundError {
  const list = available.length === 0 ? 'none' : available.join(', ');
  return new ToolNotFoundError(`There is no tool named ${JSON.stringify(toolName)}. Available tools: ${list}.`, {
    toolName,
    available,
    remedy: available.length === 0 ? 'Answer without tools.' : 'Call one of the available tools instead.',
  });
}

/** The error reported when a call runs past its time limit. */
export function timeoutFailure(toolName: string, timeoutMs: number): ToolTimeoutError {
  return new ToolTimeoutError(`Tool ${toolName} did not finish within ${timeoutMs} ms and was cancelled`, {
    toolName,
    timeoutMs,
  });
}

/** The error reported when the turn is aborted while a call waits or runs. */
export function abortedFailure(toolName: string, reason: unknown): ToolExecutionError {
  return new ToolExecutionError(`Tool ${toolName} was cancelled because the turn was aborted`, {
    cause: reason,
    toolName,
    remedy: 'Run it again if it is still needed.',
  });
}

/**
 * The error reported for a throw inside a tool. Troupe errors (a tool that knows it is unavailable,
 * a validation error raised by the tool itself) are kept as they are.
 */
export function executionFailure(toolName: string, error: unknown): TroupeError {
  if (TroupeError.isInstance(error)) return error;
  const reason =
    error instanceof Error ? error.message || error.name : typeof error === 'string' ? error : safeString(error);
  return new ToolExecutionError(`Tool ${toolName} failed: ${reason}`, { cause: error, toolName });
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
