import { performance } from 'node:perf_hooks';
import { describe, expect, it, vi } from 'vitest';
import { MasterClock } from '../../../src/agentx/master-clock.js';
import { PduType, type ResponsePdu } from '../../../src/agentx/pdu.js';
import { SessionLostError, type AgentXSession } from '../../../src/agentx/session.js';
import { makeStats, type Service, type Snapshot } from '../../../src/ipvs/snapshot.js';
import type { Change } from '../../../src/mib/changes.js';
import { TableModel } from '../../../src/mib/model.js';
import { Notifier } from '../../../src/daemon/notifier.js';
import { captureLogger, WARN } from '../agentx/fake-master.js';

/**
 * The notifier's log while snmpd cannot take notifications (frozen: every Notify times out): one warning for the
 * episode, the failures after it counted without a line each, and one info line with the count once a Notify is
 * delivered again.
 */

const INFO = 30;

function service(port: number): Service {
  return {
    key: { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port },
    scheduler: 'wlc', flags: 0, timeout: 0, netmaskPrefix: 32, peName: '', stats: makeStats({}), reals: [],
  };
}

function snap(...ports: number[]): Snapshot {
  return { info: { version: '1.2.1', connTableSize: 4096, tcpTimeout: 900, tcpFinTimeout: 120, udpTimeout: 300, daemons: [] }, services: ports.map(service) };
}

/** Two changes a read, as in the frozen-snmpd probe: one service added, one removed. */
function changesOfRead(model: TableModel, read: number): readonly Change[] {
  return model.update(snap(1000 + read + 1), read + 1).changes;
}

const delivered: ResponsePdu = { type: PduType.Response, sessionId: 1, transactionId: 0, packetId: 0, sysUpTime: 0, error: 0, index: 0, varbinds: [] };

/** A session whose Notifies fail while `frozen` is true. */
function fakeSession(state: { frozen: boolean }): AgentXSession {
  return {
    isReady: true,
    notify: () => (state.frozen ? Promise.reject(new SessionLostError('agentx: no response to Notify within 5000 ms')) : Promise.resolve(delivered)),
  } as unknown as AgentXSession;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Notifier: delivery failures', () => {
  it('logs one warning per episode, then one info line with how many were lost', async () => {
    const { logger, lines } = captureLogger();
    const notifier = new Notifier({ enabled: true, perMinute: 1000 }, new MasterClock(), logger);
    const model = new TableModel({ monotonic: false });
    model.update(snap(1000), 0);
    const state = { frozen: true };
    const session = fakeSession(state);
    for (let read = 0; read < 5; read++) {
      const changes = changesOfRead(model, read);
      expect(changes).toHaveLength(2);
      notifier.send(changes, session);
      await settle();
    }
    const failed = lines.filter((l) => l.msg === 'notification not delivered to snmpd');
    expect(failed.filter((l) => l.level >= WARN)).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: WARN, count: 1, err: 'agentx: no response to Notify within 5000 ms' });

    state.frozen = false;
    notifier.send(changesOfRead(model, 5), session);
    await settle();
    const back = lines.filter((l) => l.msg === 'notifications delivered to snmpd again');
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ level: INFO, lost: 10 });

    // Delivered ones make no lines; the next episode warns again from 1.
    notifier.send(changesOfRead(model, 6), session);
    state.frozen = true;
    notifier.send(changesOfRead(model, 7), session);
    await settle();
    const warnings = lines.filter((l) => l.msg === 'notification not delivered to snmpd' && l.level === WARN);
    expect(warnings.map((l) => l['count'])).toEqual([1, 1]);
    expect(lines.filter((l) => l.msg === 'notifications delivered to snmpd again')).toHaveLength(1);
  });
});

describe('Notifier: rate limit', () => {
  it('logs one warning per episode of drops, counts at debug once a minute, and one info line when it ends', async () => {
    const { logger, lines } = captureLogger();
    const notifier = new Notifier({ enabled: true, perMinute: 2 }, new MasterClock(), logger);
    const model = new TableModel({ monotonic: false });
    model.update(snap(1000), 0);
    const session = fakeSession({ frozen: false });
    let now = 1_000_000;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const read = (n: number, at: number): void => {
        now = 1_000_000 + at;
        notifier.send(changesOfRead(model, n), session);
      };
      const limitLines = (): { level: number; msg: string; dropped: unknown }[] =>
        lines
          .filter((l) => /rate limit/.test(l.msg))
          .map((l) => ({ level: l.level, msg: l.msg, dropped: l['dropped'] }));
      read(0, 0); // two changes, both sent
      read(1, 0); // over the limit: the episode's warning
      read(2, 30_000); // still over: counted, no line
      read(3, 61_000); // the minute has passed: both sent
      read(4, 61_000); // over again, a minute after the warning: one debug line with the count since
      read(5, 122_000); // a minute after the last drop, within the limit: the episode ends
      read(6, 122_000); // a new episode warns again
      await settle();
      expect(limitLines()).toEqual([
        { level: WARN, msg: 'notification rate limit reached; changes not notified', dropped: 2 },
        { level: 20, msg: 'notification rate limit: more changes not notified', dropped: 4 },
        { level: INFO, msg: 'notifications within the rate limit again', dropped: 6 },
        { level: WARN, msg: 'notification rate limit reached; changes not notified', dropped: 2 },
      ]);
    } finally {
      clock.mockRestore();
    }
  });
});
