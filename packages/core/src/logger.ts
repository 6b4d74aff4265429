/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** The logger Troupe writes to; adapt pino, winston or console to it. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Discards everything. The default wherever a logger is optional. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** Writes to the console with a `[troupe]` prefix. */
export const consoleLogger: Logger = {
  debug: (message, fields) => console.debug(`[troupe] ${message}`, fields ?? ''),
  info: (message, fields) => console.info(`[troupe] ${message}`, fields ?? ''),
  warn: (message, fields) => console.warn(`[troupe] ${message}`, fields ?? ''),
  error: (message, fields) => console.error(`[troupe] ${message}`, fields ?? ''),
};
