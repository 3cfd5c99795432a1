// Turns thrown errors into MCP tool results: a message with the fix, never a stack, never a crash.
import type { CallToolResult } from '@modelcontextprotocol/server';
import { describeError, toAppError } from '../errors.js';
import type { Logger } from '../log.js';

/** An `isError` result the model can act on: what went wrong and what to do next. */
export function errorResult(error: unknown, log: Logger): CallToolResult {
  const appError = toAppError(error);
  if (appError.code === 'internal_error') log.error('tool failed', { error: appError.message, stack: appError.stack });
  return {
    isError: true,
    content: [{ type: 'text', text: describeError(appError) }],
  };
}
