/**
 * pino's level names, apart from logger.ts so that the settings and the command line can name them without loading
 * pino: the one-shot commands (`lvs-agentx snapshot`, `check`) never log, and pino's load is a measurable part of
 * their start.
 */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
