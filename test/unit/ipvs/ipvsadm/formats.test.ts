// Fixture outputs in fixtures/ipvsadm/ follow ipvsadm 1.31's printf formats column for column
// (print_title(), print_service_entry(), print_largenum() with --exact, list_timeout(), list_daemon()).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDaemons, parseTimeouts } from '../../../../src/ipvs/ipvsadm/formats.js';
import { IpvsadmParseError } from '../../../../src/ipvs/ipvsadm/listing.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/ipvsadm');
const fixture = (name: string): string => readFileSync(path.join(dir, `${name}.txt`), 'utf8');

const ALL = {
  list: fixture('list'),
  stats: fixture('stats'),
  rate: fixture('rate'),
  thresholds: fixture('thresholds'),
  persistentConn: fixture('persistent-conn'),
  tunInfo: fixture('tun-info'),
  timeout: fixture('timeout'),
  daemon: fixture('daemon'),
};

function parseErrorOf(f: () => unknown): IpvsadmParseError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(IpvsadmParseError);
    return err as IpvsadmParseError;
  }
  throw new Error('expected IpvsadmParseError');
}

describe('--timeout and --daemon', () => {
  it('timeouts', () => {
    expect(parseTimeouts(ALL.timeout)).toEqual({ tcpTimeout: 900, tcpFinTimeout: 120, udpTimeout: 300 });
    expect(() => parseTimeouts('Timeouts: none\n')).toThrow(IpvsadmParseError);
  });

  it('daemons', () => {
    expect(parseDaemons(ALL.daemon)).toEqual([
      { state: 'master', interface: 'eth0', syncId: 1 },
      { state: 'backup', interface: 'eth1', syncId: 2 },
    ]);
    expect(parseDaemons('')).toEqual([]);
    const err = parseErrorOf(() => parseDaemons('master sync daemon (mcast=eth0)\n'));
    expect(err.line).toBe(1);
  });
});
