import pino, { type Logger } from 'pino';
import type { LogLevel } from './log-level.js';

/**
 * Structured logs (one JSON line per event, with context) on stderr, so stdout stays free for command output.
 * On a terminal the same events are pretty-printed.
 */
export function createLogger(level: LogLevel, pretty = process.stderr.isTTY === true): Logger {
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:standard', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: false }));
}
