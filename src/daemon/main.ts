#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Source } from '../ipvs/source.js';
import { NameError } from '../ipvs/service-key.js';
import type { Agent } from './agent.js';
import { ExitCode, parseCommandLine, USAGE, UsageError, type CliCommand, type RunCommand } from './cli.js';
import { readConfigFile } from './config-file.js';
import { keepYoungGenerationSmall } from './heap.js';
import { namespaceGuardedSource, namespaceProblem, startOutsideHint } from './netns.js';
import { resolveSettings, SettingError, type Settings } from './settings.js';
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

function usageFailure(message: string): number {
  process.stderr.write(`lvs-agentx: ${message}\n`);
  return ExitCode.usage;
}

async function loadSettings(command: Pick<RunCommand, 'config' | 'flags'>): Promise<Settings> {
  return resolveSettings(await readConfigFile(command.config.path, command.config.required), command.flags);
}

/** One read of the configured source, for the commands that print what the agent would serve. */
async function readOnce(command: Pick<RunCommand, 'config' | 'flags'>) {
  const settings = await loadSettings(command);
  const problem = settings.netns === '' ? undefined : namespaceProblem(settings.netns);
  if (problem !== undefined) throw new Error(`not in the network namespace --netns names: ${problem}; ${startOutsideHint(settings.netns)}`);
  const source = await createSource(settings.source, { oneShot: true });
  try {
    return await source.read();
  } finally {
    await source.close();
  }
}

async function runAgent(command: RunCommand, version: string): Promise<number> {
  keepYoungGenerationSmall();
  // The daemon's own parts (AgentX, the table model, pino) are loaded for `run` only: the one-shot commands start
  // without them (`lvs-agentx snapshot` is a tool one runs beside ipvsadm, and is measured against it).
  const [{ Agent }, { createLogger }] = await Promise.all([import('./agent.js'), import('./logger.js')]);
  const settings = await loadSettings(command);
  const logger = createLogger(settings.logLevel);
  // --netns: the process must already be in that namespace (netns.ts); checked before any source is opened, and
  // before every read: a namespace deleted under the agent makes it exit 1, for systemd's Restart= to take over.
  const netns = settings.netns;
  if (netns !== '') {
    const problem = namespaceProblem(netns);
    if (problem !== undefined) {
      logger.fatal({ netns, problem, hint: startOutsideHint(netns) }, 'not in the network namespace --netns names; not starting');
      return ExitCode.failure;
    }
  }
  let namespaceLost: (problem: string) => void = () => undefined;
  const openSource = async (text: string): Promise<Source> => {
    const opened = await createSource(text);
    return netns === '' ? opened : namespaceGuardedSource(opened, netns, (problem) => namespaceLost(problem));
  };
  let source: Source;
  try {
    source = await openSource(settings.source);
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(err.message);
    logger.fatal({ err: (err as Error).message, source: settings.source }, 'cannot set up the source');
    return ExitCode.failure;
  }
  const agent = new Agent({ settings, source, logger, version });
  logger.info(
    { version, source: source.name, intervalMs: settings.intervalMs, config: command.config.path, context: settings.context, netns },
    'lvs-agentx starting',
  );
  agent.start();
  process.on('SIGHUP', () => void reload(agent, command, logger, netns, openSource));
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
    namespaceLost = (problem) => {
      if (stopping) return;
      stopping = true;
      logger.fatal(
        { netns, problem },
        'the network namespace this agent serves is gone (or replaced); closing the AgentX session and exiting 1 for a restart into the current one',
      );
      agent.stop().then(
        () => resolve(ExitCode.failure),
        () => resolve(ExitCode.failure),
      );
    };
  });
}

/** SIGHUP: re-read the config file; a bad file is logged and the running configuration stays. */
async function reload(agent: Agent, command: RunCommand, logger: Logger, netns: string, openSource: (text: string) => Promise<Source>): Promise<void> {
  let settings: Settings;
  try {
    settings = await loadSettings(command);
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'SIGHUP: config not reloaded, keeping the running configuration');
    return;
  }
  if (settings.netns !== netns) {
    // The process cannot move to another namespace (netns.ts): the one it started in stays.
    logger.error({ netns, wanted: settings.netns }, 'SIGHUP: netns applies at start only; restart the agent in the new namespace');
    settings = { ...settings, netns };
  }
  try {
    await agent.reconfigure(settings, () => openSource(settings.source));
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'SIGHUP: could not apply the new configuration');
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return usageFailure(err.message);
  }
  const version = packageVersion();
  try {
    switch (command.kind) {
      case 'help':
        process.stdout.write(USAGE);
        return ExitCode.ok;
      case 'version':
        process.stdout.write(`lvs-agentx ${version}\n`);
        return ExitCode.ok;
      // Each one-shot command loads its own module when it runs: every module costs start-up time (in the kernel
      // guest, loading all of them took longer than node's own start), and `snapshot` is measured against ipvsadm.
      case 'oid': {
        const { oidLines } = await import('../tools/oid.js');
        process.stdout.write(oidLines(command.args).join('\n') + '\n');
        return ExitCode.ok;
      }
      case 'snapshot': {
        // The writer's module loads while the read waits for the kernel (the main thread is idle then).
        const writer = command.format === 'json' ? import('../ipvs/snapshot-json.js') : import('../tools/snapshot-table.js');
        const snapshot = await readOnce(command);
        const loaded = await writer;
        if ('snapshotToJson' in loaded) process.stdout.write(JSON.stringify(loaded.snapshotToJson(snapshot), null, 2) + '\n');
        else process.stdout.write(loaded.snapshotTableBytes(snapshot));
        return ExitCode.ok;
      }
      case 'mrtg': {
        const snapshot = await readOnce(command);
        const { MrtgConfigError, mrtgConfig } = await import('../tools/mrtg.js');
        try {
          process.stdout.write(
            mrtgConfig(snapshot, {
              host: command.host,
              community: command.community,
              port: command.port,
              workDir: command.workDir,
              reals: command.reals,
              rates: command.rates,
            }),
          );
        } catch (err) {
          if (err instanceof MrtgConfigError) return usageFailure(err.message);
          throw err;
        }
        return ExitCode.ok;
      }
      case 'check': {
        // Loaded for `check` only: the daemon does not need the SNMP manager side.
        const { runCheck } = await import('../tools/check/run.js');
        const { code, text } = await runCheck(command.args);
        process.stdout.write(text);
        return code;
      }
      case 'run':
        return await runAgent(command, version);
    }
  } catch (err) {
    if (err instanceof SettingError || err instanceof UsageError || err instanceof NameError) {
      return usageFailure(err.message);
    }
    process.stderr.write(`lvs-agentx: ${(err as Error).message}\n`);
    return ExitCode.failure;
  }
}

process.on('unhandledRejection', (reason) => {
  // Every promise in the daemon is handled; one that is not is a bug worth a loud line, not a crash.
  process.stderr.write(`lvs-agentx: unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}\n`);
});

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
