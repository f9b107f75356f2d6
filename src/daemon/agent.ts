import type { Logger } from 'pino';
import { MasterClock } from '../agentx/master-clock.js';
import { AgentXSession } from '../agentx/session.js';
import type { TransportAddress } from '../agentx/transport.js';
import type { Snapshot } from '../ipvs/snapshot.js';
import type { Source } from '../ipvs/source.js';
import { LVS_MIB_ROOT } from '../mib/lvs-mib.js';
import { buildRows, type Rows } from '../mib/rows.js';
import { MibView } from '../mib/view.js';
import { CounterTracker } from './counter-tracker.js';
import { Poller } from './poller.js';

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

  constructor(private readonly options: AgentOptions) {
    this.tracker = new CounterTracker({ monotonic: options.monotonic });
    this.poller = new Poller(options.source, options.intervalMs, options.logger.child({ component: 'poller' }));
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
    this.poller.on('snapshot', ({ snapshot, at }) => {
      const tracked = this.tracker.track(snapshot, at);
      this.snapshot = tracked.snapshot;
      this.rows = buildRows(tracked.snapshot, tracked.discontinuityAt);
      this.view = this.makeView();
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
    await this.poller.stop();
    await this.session.stop();
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
