import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { MasterClock } from '../agentx/master-clock.js';
import { AgentXSession } from '../agentx/session.js';
import type { TransportAddress } from '../agentx/transport.js';
import type { Snapshot } from '../ipvs/snapshot.js';
import type { Source } from '../ipvs/source.js';
import { LVS_MIB_ROOT } from '../mib/lvs-mib.js';
import { buildRowsSteps, type Rows } from '../mib/rows.js';
import { MibView } from '../mib/view.js';
import { CounterTracker } from './counter-tracker.js';
import { runCooperatively } from './cooperative.js';
import { Poller, type PollResult } from './poller.js';

/**
 * The daemon's wiring: source → poller → counter tracker → rows → MIB view ← AgentX session. Every request is
 * answered from the view current when it arrives; a new read swaps in a whole new view at once.
 */

export interface AgentOptions {
  readonly address: TransportAddress;
  readonly source: Source;
  readonly intervalMs: number;
  readonly monotonic: boolean;
  readonly pingIntervalMs: number;
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
  readonly session: AgentXSession;
  readonly poller: Poller;
  private readonly tracker: CounterTracker;
  private snapshot: Snapshot = EMPTY_SNAPSHOT;
  private rows: Rows = { services: [], reals: [] };
  private view: MibView;
  private readonly log: Logger;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(private readonly options: AgentOptions) {
    this.log = options.logger.child({ component: 'agent' });
    this.loopDelay.enable();
    this.tracker = new CounterTracker({ monotonic: options.monotonic });
    this.poller = new Poller(options.source, options.intervalMs, options.logger.child({ component: 'poller' }), (r) =>
      this.takeSnapshot(r),
    );
    this.view = this.makeView();
    this.session = new AgentXSession({
      address: options.address,
      description: `lvs-agentx ${options.version}: LVS-MIB for IPVS`,
      id: AGENT_ID,
      subtree: LVS_MIB_ROOT,
      pingIntervalMs: options.pingIntervalMs,
      logger: options.logger,
      clock: this.clock,
      reader: () => this.view,
    });
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

  start(): void {
    this.poller.start();
    this.session.start();
  }

  async stop(): Promise<void> {
    this.loopDelay.disable();
    await this.poller.stop();
    await this.session.stop();
  }

  /**
   * Counter tracking and row building run in slices (runCooperatively) so that a table of 100,000 real servers
   * never holds up AgentX answers; requests meanwhile get the previous view, and the new one replaces it whole.
   */
  private async takeSnapshot({ snapshot, at }: PollResult): Promise<void> {
    const started = performance.now();
    const tracked = await runCooperatively(this.tracker.trackSteps(snapshot, at));
    const rows = await runCooperatively(buildRowsSteps(tracked.snapshot, tracked.discontinuityAt));
    this.snapshot = tracked.snapshot;
    this.rows = rows;
    this.view = this.makeView();
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
