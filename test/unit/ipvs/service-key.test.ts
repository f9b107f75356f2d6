import { describe, expect, it } from 'vitest';
import { realName, serviceName } from '../../../src/ipvs/service-key.js';
import type { ServiceKey } from '../../../src/ipvs/snapshot.js';

// These strings are the MIB's table indexes: a change here renumbers every poller's rows.
describe('serviceName', () => {
  it.each<[ServiceKey, string]>([
    [{ kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 }, 'TCP/10.0.0.1:80'],
    [{ kind: 'addr', family: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 53 }, 'UDP/[2001:db8::1]:53'],
    [{ kind: 'addr', family: 'inet', protocol: 'sctp', address: '10.0.0.1', port: 9000 }, 'SCTP/10.0.0.1:9000'],
    [{ kind: 'addr', family: 'inet', protocol: 'tcp', address: '0.0.0.0', port: 0 }, 'TCP/0.0.0.0:0'],
    [
      { kind: 'addr', family: 'inet6', protocol: 'tcp', address: '::ffff:10.0.0.1', port: 443 },
      'TCP/[::ffff:10.0.0.1]:443',
    ],
    [{ kind: 'fwmark', family: 'inet', fwmark: 7 }, 'FWM/7'],
    [{ kind: 'fwmark', family: 'inet6', fwmark: 7 }, 'FWM6/7'],
    [{ kind: 'fwmark', family: 'inet', fwmark: 4294967295 }, 'FWM/4294967295'],
  ])('%j → %s', (key, name) => {
    expect(serviceName(key)).toBe(name);
  });
});

describe('realName', () => {
  it('brackets IPv6 only', () => {
    expect(realName({ family: 'inet', address: '10.0.0.2', port: 80 })).toBe('10.0.0.2:80');
    expect(realName({ family: 'inet6', address: '2001:db8::2', port: 80 })).toBe('[2001:db8::2]:80');
    expect(realName({ family: 'inet', address: '192.0.2.9', port: 0 })).toBe('192.0.2.9:0');
  });
});
