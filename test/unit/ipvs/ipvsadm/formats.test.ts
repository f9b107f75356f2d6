import { describe, expect, it } from 'vitest';
import { parseDaemons, parseTimeouts } from '../../../../src/ipvs/ipvsadm/formats.js';
import { IpvsadmParseError } from '../../../../src/ipvs/ipvsadm/listing.js';
import { ALL, parseErrorOf } from './fixtures.js';

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
