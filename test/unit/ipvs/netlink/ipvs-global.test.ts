import { describe, expect, it } from 'vitest';
import {
    decodeConfigMessage,
    decodeDaemonMessage,
    decodeInfoMessage,
    formatVersion,
} from '../../../../src/ipvs/netlink/ipvs-global.js';
import {
    configMessage,
    daemonMessage, infoMessage
} from '../ipvs-fixtures.js';
import { ORDERS, u32 } from '../nl.js';

describe('GET_INFO, GET_CONFIG, GET_DAEMON replies', () => {
  it('formats IP_VS_VERSION_CODE like NVERSION()', () => {
    expect(formatVersion(0x010201)).toBe('1.2.1');
    expect(formatVersion(0x0a0b0c)).toBe('10.11.12');
  });

  for (const o of ORDERS) {
    describe(`${o} endian`, () => {
      it('info', () => {
        expect(decodeInfoMessage(infoMessage(o), o)).toEqual({ version: '1.2.1', connTableSize: 4096 });
      });

      it('config (timeouts in seconds)', () => {
        expect(decodeConfigMessage(configMessage(o), o)).toEqual({
          tcpTimeout: 900,
          tcpFinTimeout: 120,
          udpTimeout: 300,
        });
      });

      it('daemons', () => {
        expect(decodeDaemonMessage(daemonMessage(o, 1, 'eth0', 7), o)).toEqual({
          state: 'master',
          interface: 'eth0',
          syncId: 7,
        });
        expect(decodeDaemonMessage(daemonMessage(o, 2, 'bond0.100', 255), o)).toEqual({
          state: 'backup',
          interface: 'bond0.100',
          syncId: 255,
        });
        expect(() => decodeDaemonMessage(daemonMessage(o, 3, 'eth0', 1), o)).toThrow(/unknown daemon state 3/);
      });

      it('info missing an attribute names it', () => {
        const msg = infoMessage(o).slice(0, 16 + 4 + 8);
        msg.set(u32(o, 28), 0);
        expect(() => decodeInfoMessage(msg, o)).toThrow(/IPVS_INFO_ATTR_CONN_TAB_SIZE .*missing/);
      });
    });
  }
});
