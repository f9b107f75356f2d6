import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { MasterClock } from '../agentx/master-clock.js';
import { AgentXSession } from '../agentx/session.js';
import { formatTransportAddress, type TransportAddress } from '../agentx/transport.js';
import type { Source } from '../ipvs/source.js';
import { formatListenAddress } from '../metrics/listen-address.js';
import { Scraper } from '../metrics/scraper.js';
import { MetricsServer } from '../metrics/server.js';
import { LVS_MIB_ROOT } from '../mib/lvs-mib.js';
import { TableModel } from '../mib/model.js';
import type { MibView } from '../mib/view.js';
import { runCooperatively } from '../util/time-slices.js';
import { Notifier, type NotifierOptions } from './notifier.js';
import { Poller, type PollResult } from './poller.js';
import type { Settings } from './settings.js';

/**
 * The daemon's wiring: source → poller → table model → MIB view ← AgentX session, and the model's changes →
 * notifier. Every request is answered from the view current when it is answered; a new read swaps in a whole new
 * view at once. Requests drive the reads (Poller.demand): one that finds data older than the interval starts a read
 * and waits for it at most 100 ms.
 */

export interface AgentOptions {
  readonly settings: Settings;
  readonly source: Source;
  readonly logger: Logger;
  readonly version: string;
}

/** o.id of our Open PDU: the LVS-MIB module identity. */
const AGENT_ID = LVS_MIB_ROOT;

export class Agent {
  readonly clock = new MasterClock();
  readonly poller: Poller;
  private session: AgentXSession;
  private settings: Settings;
  private readonly model: TableModel;
  private view: MibView;
  private readonly scraper: Scraper;
  private metrics: MetricsServer | undefined;
  private metricsStarting: Promise<void> = Promise.resolve();
  private readonly notifier: Notifier;
  private readonly log: Logger;
  /**
   * The longest event-loop stall between two reads, for the debug log. Its 10 ms sampling timer is itself a cost
   * (about 1 % of a core on an idle agent), so it runs only while debug logging is on.
   */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly options: AgentOptions) {
    this.settings = options.settings;
    this.log = options.logger.child({ component: 'agent' });
    this.notifier = new Notifier(this.notifierOptions(), this.clock, this.log);
    this.poller = new Poller(options.source, cadence(this.settings), options.logger.child({ component: 'poller' }), (r) =>
      this.takeSnapshot(r),
    );
    this.model = new TableModel({
      monotonic: this.settings.monotonic,
      status: () => this.poller.status,
      timeStamp: (at) => this.clock.timeStamp(at),
    });
    this.view = this.model.view();
    this.session = this.makeSession(this.settings.address);
    this.scraper = new Scraper(
      {
        rows: () => this.view.input.rows,
        status: () => this.poller.status,
        demand: () => this.poller.demand(),
      },
      () => this.settings.metricsReals,
    );
  }

  /** The metrics endpoint, when metrics-listen is set and it listens. */
  get metricsServer(): MetricsServer | undefined {
    return this.metrics;
  }

  get currentView(): MibView {
    return this.view;
  }

  get agentxSession(): AgentXSession {
    return this.session;
  }

  start(): void {
    this.watchStalls();
    this.poller.start();
    this.session.start();
    this.metricsStarting = this.startMetrics();
  }

  async stop(): Promise<void> {
    this.loopDelay.disable();
    await this.metricsStarting;
    await this.metrics?.stop();
    await this.poller.stop();
    await this.session.stop();
  }

  /**
   * Applies new settings (SIGHUP). The AgentX session is kept unless the socket or the context changed; a new source replaces the
   * old one from the next read; switching monotonic counters restarts counter tracking (every row's
   * discontinuity time moves to now, since its counters change meaning).
   */
  async reconfigure(next: Settings, newSource: () => Promise<Source>): Promise<void> {
    const before = this.settings;
    this.settings = next;
    this.options.logger.level = next.logLevel;
    this.watchStalls();
    if (next.source !== before.source) await this.poller.replaceSource(await newSource());
    if (next.intervalMs !== before.intervalMs || next.idleIntervalMs !== before.idleIntervalMs) this.poller.setCadence(cadence(next));
    this.notifier.configure(this.notifierOptions());
    if (next.monotonic !== before.monotonic) this.model.restartCounters(next.monotonic);
    if (formatTransportAddress(next.address) !== formatTransportAddress(before.address) || next.context !== before.context) {
      await this.session.stop();
      this.session = this.makeSession(next.address);
      this.session.start();
    } else if (next.pingIntervalMs !== before.pingIntervalMs) {
      this.session.setPingInterval(next.pingIntervalMs);
    }
    if (listenText(next) !== listenText(before)) {
      await this.metricsStarting;
      await this.metrics?.stop();
      this.metricsStarting = this.startMetrics();
      await this.metricsStarting;
    }
    this.log.info(
      {
        socket: formatTransportAddress(next.address),
        context: next.context,
        source: next.source,
        intervalMs: next.intervalMs,
        idleIntervalMs: next.idleIntervalMs,
        monotonic: next.monotonic,
        logLevel: next.logLevel,
        metricsListen: listenText(next) || 'off',
      },
      'configuration reloaded',
    );
  }

  private async startMetrics(): Promise<void> {
    this.metrics = undefined;
    const address = this.settings.metricsListen;
    if (address === undefined) return;
    const server = new MetricsServer(address, (format, sink) => this.scraper.scrape(format, sink), this.options.logger.child({ component: 'metrics' }));
    if (await server.start()) this.metrics = server;
  }

  private watchStalls(): void {
    if (this.options.logger.isLevelEnabled('debug')) this.loopDelay.enable();
    else this.loopDelay.disable();
  }

  private notifierOptions(): NotifierOptions {
    return { enabled: this.settings.notifications, perMinute: this.settings.notificationLimit };
  }

  private makeSession(address: TransportAddress): AgentXSession {
    return new AgentXSession({
      address,
      description: `lvs-agentx ${this.options.version}: LVS-MIB for IPVS`,
      id: AGENT_ID,
      subtree: LVS_MIB_ROOT,
      context: this.settings.context,
      pingIntervalMs: this.settings.pingIntervalMs,
      logger: this.options.logger,
      clock: this.clock,
      reader: () => {
        const wait = this.poller.demand();
        return wait === undefined ? this.view : wait.then(() => this.view);
      },
    });
  }

  /**
   * The model folds the read in slices (runCooperatively) so that a table of 100,000 real servers never holds up
   * AgentX answers; requests meanwhile get the previous view, and the new one replaces it whole.
   */
  private async takeSnapshot({ snapshot, durationMs }: PollResult): Promise<void> {
    const started = performance.now();
    // The read's time is when the model sees it: a row's discontinuity time is when it was found. Metrics pages
    // read the rows in service, which the update changes in place: it waits for pages being written (exclusive).
    const update = await this.scraper.exclusive(async () => {
      const done = await runCooperatively(this.model.updateSteps(snapshot, performance.now()));
      this.view = done.view;
      return done;
    });
    this.notifier.send(update.changes, this.session);
    if (update.resets.length > 0) {
      this.log.info({ rows: update.resets.slice(0, 20), count: update.resets.length }, 'counters went backwards; discontinuity time set');
    }
    // The longest the event loop was blocked since the previous snapshot: AgentX answers waited at most that long.
    this.log.debug(
      {
        services: update.rows.services.length,
        reals: update.rows.reals.length,
        readMs: Math.round(durationMs),
        buildMs: Math.round(performance.now() - started),
        maxEventLoopDelayMs: Math.round(this.loopDelay.max / 1e6),
        ...memoryMiB(),
      },
      'snapshot in service',
    );
    this.loopDelay.reset();
  }
}

function listenText(settings: Settings): string {
  return settings.metricsListen === undefined ? '' : formatListenAddress(settings.metricsListen);
}

function cadence(settings: Settings): { intervalMs: number; idleIntervalMs: number } {
  return { intervalMs: settings.intervalMs, idleIntervalMs: settings.idleIntervalMs };
}

/** The process's memory in MiB for the debug log: resident set, V8 heap in use and reserved, off-heap buffers. */
function memoryMiB(): { rssMiB: number; heapUsedMiB: number; heapTotalMiB: number; externalMiB: number } {
  const m = process.memoryUsage();
  const mib = (n: number): number => Math.round(n / 1048576);
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), heapTotalMiB: mib(m.heapTotal), externalMiB: mib(m.external + m.arrayBuffers) };
}
