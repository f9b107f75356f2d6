import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { MasterClock } from '../agentx/master-clock.js';
import { AgentXSession } from '../agentx/session.js';
import { formatTransportAddress, type TransportAddress } from '../agentx/transport.js';
import type { Snapshot } from '../ipvs/snapshot.js';
import type { Source } from '../ipvs/source.js';
import { LVS_MIB_ROOT } from '../mib/lvs-mib.js';
import { diffRows } from '../mib/changes.js';
import { buildRowsSteps, type Rows } from '../mib/rows.js';
import { MibView } from '../mib/view.js';
import { runCooperatively } from '../util/time-slices.js';
import { CounterTracker } from './counter-tracker.js';
import { Notifier, type NotifierOptions } from './notifier.js';
import { Poller, type PollResult } from './poller.js';
import type { Settings } from './settings.js';

/**
 * The daemon's wiring: source → poller → counter tracker → rows → MIB view ← AgentX session. Every request is
 * answered from the view current when it arrives; a new read swaps in a whole new view at once.
 */

export interface AgentOptions {
  readonly settings: Settings;
  readonly source: Source;
  readonly logger: Logger;
  readonly version: string;
}

const EMPTY_SNAPSHOT: Snapshot = {
  info: { version: '', connTableSize: 0, tcpTimeout: 0, tcpFinTimeout: 0, udpTimeout: 0, daemons: [] },
  services: [],
};

/** o.id of our Open PDU: the LVS-MIB module identity. */
const AGENT_ID = LVS_MIB_ROOT;

export class Agent {
  readonly clock = new MasterClock();
  readonly poller: Poller;
  private session: AgentXSession;
  private settings: Settings;
  private tracker: CounterTracker;
  private snapshot: Snapshot = EMPTY_SNAPSHOT;
  private rows: Rows = { services: [], reals: [] };
  private view: MibView;
  /** Whether `rows` come from a read (notifications compare two reads, never the empty start). */
  private haveRead = false;
  private readonly notifier: Notifier;
  private readonly log: Logger;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly options: AgentOptions) {
    this.settings = options.settings;
    this.log = options.logger.child({ component: 'agent' });
    this.tracker = new CounterTracker({ monotonic: this.settings.monotonic });
    this.notifier = new Notifier(this.notifierOptions(), this.clock, this.log);
    this.poller = new Poller(options.source, this.settings.intervalMs, options.logger.child({ component: 'poller' }), (r) =>
      this.takeSnapshot(r),
    );
    this.view = this.makeView();
    this.session = this.makeSession(this.settings.address);
    this.poller.on('status', () => {
      this.view = this.makeView();
    });
  }

  /** The snapshot currently served (after counter tracking). */
  get served(): Snapshot {
    return this.snapshot;
  }

  get currentView(): MibView {
    return this.view;
  }

  get agentxSession(): AgentXSession {
    return this.session;
  }

  start(): void {
    this.loopDelay.enable();
    this.poller.start();
    this.session.start();
  }

  async stop(): Promise<void> {
    this.loopDelay.disable();
    await this.poller.stop();
    await this.session.stop();
  }

  /**
   * Applies new settings (SIGHUP). The AgentX session is kept unless the socket changed; a new source replaces the
   * old one from the next read; switching monotonic counters restarts counter tracking (every row's
   * discontinuity time moves to now, since its counters change meaning).
   */
  async reconfigure(next: Settings, newSource: () => Promise<Source>): Promise<void> {
    const before = this.settings;
    this.settings = next;
    this.options.logger.level = next.logLevel;
    if (next.source !== before.source) await this.poller.replaceSource(await newSource());
    if (next.intervalMs !== before.intervalMs) this.poller.setInterval(next.intervalMs);
    this.notifier.configure(this.notifierOptions());
    if (next.monotonic !== before.monotonic) this.tracker = new CounterTracker({ monotonic: next.monotonic });
    if (formatTransportAddress(next.address) !== formatTransportAddress(before.address)) {
      await this.session.stop();
      this.session = this.makeSession(next.address);
      this.session.start();
    } else if (next.pingIntervalMs !== before.pingIntervalMs) {
      this.session.setPingInterval(next.pingIntervalMs);
    }
    this.log.info(
      {
        socket: formatTransportAddress(next.address),
        source: next.source,
        intervalMs: next.intervalMs,
        monotonic: next.monotonic,
        logLevel: next.logLevel,
      },
      'configuration reloaded',
    );
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
      pingIntervalMs: this.settings.pingIntervalMs,
      logger: this.options.logger,
      clock: this.clock,
      reader: () => this.view,
    });
  }

  /**
   * Counter tracking and row building run in slices (runCooperatively) so that a table of 100,000 real servers
   * never holds up AgentX answers; requests meanwhile get the previous view, and the new one replaces it whole.
   */
  private async takeSnapshot({ snapshot, at }: PollResult): Promise<void> {
    const started = performance.now();
    const tracked = await runCooperatively(this.tracker.trackSteps(snapshot, at));
    const rows = await runCooperatively(buildRowsSteps(tracked.snapshot, tracked.discontinuityAt));
    const previous = this.rows;
    this.snapshot = tracked.snapshot;
    this.rows = rows;
    this.view = this.makeView();
    if (this.haveRead) this.notifier.send(diffRows(previous, rows), this.session);
    this.haveRead = true;
    if (tracked.resets.length > 0) {
      this.log.info({ rows: tracked.resets.slice(0, 20), count: tracked.resets.length }, 'counters went backwards; discontinuity time set');
    }
    // The longest the event loop was blocked since the previous snapshot: AgentX answers waited at most that long.
    this.log.debug(
      {
        services: rows.services.length,
        reals: rows.reals.length,
        readMs: Math.round(this.poller.status.lastReadDurationMs),
        buildMs: Math.round(performance.now() - started),
        maxEventLoopDelayMs: Math.round(this.loopDelay.max / 1e6),
        ...memoryMiB(),
      },
      'snapshot in service',
    );
    this.loopDelay.reset();
  }

  private makeView(): MibView {
    return new MibView({
      info: this.snapshot.info,
      rows: this.rows,
      agent: this.poller.status,
      timeStamp: (at) => this.clock.timeStamp(at),
    });
  }
}

/** The process's memory in MiB for the debug log: resident set, V8 heap in use and reserved, off-heap buffers. */
function memoryMiB(): { rssMiB: number; heapUsedMiB: number; heapTotalMiB: number; externalMiB: number } {
  const m = process.memoryUsage();
  const mib = (n: number): number => Math.round(n / 1048576);
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), heapTotalMiB: mib(m.heapTotal), externalMiB: mib(m.external + m.arrayBuffers) };
}
