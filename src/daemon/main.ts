#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Agent } from './agent.js';
import { ExitCode, parseCommandLine, USAGE, UsageError, type CliCommand } from './cli.js';
import { createLogger } from './logger.js';
import { createSource } from './source-factory.js';

function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    const version = (pkg as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`lvs-agentx: ${err.message}\n\n${USAGE}`);
    return ExitCode.usage;
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return ExitCode.ok;
  }
  const version = packageVersion();
  if (command.kind === 'version') {
    process.stdout.write(`lvs-agentx ${version}\n`);
    return ExitCode.ok;
  }
  const options = command.options;
  const logger = createLogger(options.logLevel);
  let source;
  try {
    source = await createSource(options.source);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`lvs-agentx: ${err.message}\n`);
      return ExitCode.usage;
    }
    logger.fatal({ err: (err as Error).message, source: options.source }, 'cannot set up the source');
    return ExitCode.failure;
  }
  const agent = new Agent({
    address: options.address,
    source,
    intervalMs: options.intervalMs,
    monotonic: options.monotonic,
    pingIntervalMs: options.pingIntervalMs,
    logger,
    version,
  });
  logger.info({ version, source: source.name, intervalMs: options.intervalMs }, 'lvs-agentx starting');
  agent.start();
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: closing the AgentX session');
      agent.stop().then(
        () => resolve(ExitCode.ok),
        (err: unknown) => {
          logger.error({ err: (err as Error).message }, 'error while shutting down');
          resolve(ExitCode.ok);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Logs are flushed asynchronously; give them a moment, then leave even if a handle lingers.
    setTimeout(() => process.exit(code), 100).unref();
  },
  (err: unknown) => {
    process.stderr.write(`lvs-agentx: fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(ExitCode.failure);
  },
);
