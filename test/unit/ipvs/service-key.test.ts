import { describe, expect, it } from 'vitest';
import {
  canonicalRealName,
  canonicalServiceName,
  NameError,
  parseHostPort,
  parseRealName,
  parseServiceName,
  realName,
  realOfCanonicalName,
  sameRealKey,
  sameServiceKey,
  serviceName,
  serviceOfCanonicalName,
} from '../../../src/ipvs/service-key.js';
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

describe('parseServiceName', () => {
  it('reads every kind of service, in any spelling', () => {
    expect(parseServiceName('TCP/10.0.0.1:80')).toEqual({ kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 });
    expect(parseServiceName('udp/[2001:DB8:0::1]:53')).toEqual({ kind: 'addr', family: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 53 });
    expect(parseServiceName('Sctp/10.0.0.1:9000')).toMatchObject({ protocol: 'sctp' });
    expect(parseServiceName('FWM/7')).toEqual({ kind: 'fwmark', family: 'inet', fwmark: 7 });
    expect(parseServiceName('fwm6/4294967295')).toEqual({ kind: 'fwmark', family: 'inet6', fwmark: 4294967295 });
  });

  it.each(['ICMP/10.0.0.1:80', 'TCP/10.0.0.1', 'TCP/10.0.0.1:65536', 'TCP/2001:db8::1:80', 'TCP/example.org:80', 'FWM/4294967296', 'FWM7', ''])(
    'refuses %j',
    (text) => {
      expect(() => parseServiceName(text)).toThrow(NameError);
    },
  );

  it('gives the canonical names back', () => {
    expect(canonicalServiceName('tcp/[2001:DB8::0:1]:80')).toBe('TCP/[2001:db8::1]:80');
    expect(canonicalServiceName('fwm6/7')).toBe('FWM6/7');
    expect(canonicalRealName('[2001:DB8::2]:80')).toBe('[2001:db8::2]:80');
  });
});

describe('parseRealName', () => {
  it('reads IPv4 and bracketed IPv6', () => {
    expect(parseRealName('10.0.0.2:80')).toEqual({ family: 'inet', address: '10.0.0.2', port: 80 });
    expect(parseRealName('[2001:db8::2]:0')).toEqual({ family: 'inet6', address: '2001:db8::2', port: 0 });
    expect(() => parseRealName('2001:db8::2:80')).toThrow(NameError);
    expect(() => parseRealName('10.0.0.2')).toThrow('real server "10.0.0.2": expected ADDRESS:PORT or [IPV6]:PORT');
  });
});

describe('parseHostPort', () => {
  it('canonicalizes the address; brackets only around IPv6', () => {
    expect(parseHostPort('[2001:DB8:0::2]:80')).toEqual({ family: 'inet6', address: '2001:db8::2', port: 80 });
    expect(() => parseHostPort('[10.0.0.2]:80')).toThrow('[10.0.0.2]:80: brackets only around IPv6 addresses');
    expect(() => parseHostPort('10.0.0.2:65536')).toThrow('port 65536 out of range');
    expect(() => parseHostPort('example.org:80')).toThrow('address: "example.org" is not an IP address');
    expect(() => parseHostPort('10.0.0.2:80x')).toThrow('expected ADDRESS:PORT or [IPV6]:PORT, got "10.0.0.2:80x"');
  });
});

describe('names only in canonical form', () => {
  it('are read; any other spelling is not', () => {
    expect(serviceOfCanonicalName('UDP/[2001:db8::1]:53')).toMatchObject({ protocol: 'udp', address: '2001:db8::1', port: 53 });
    expect(serviceOfCanonicalName('FWM6/7')).toEqual({ kind: 'fwmark', family: 'inet6', fwmark: 7 });
    expect(realOfCanonicalName('[2001:db8::2]:80')).toEqual({ family: 'inet6', address: '2001:db8::2', port: 80 });
    for (const other of ['tcp/10.0.0.1:80', 'TCP/[2001:DB8::1]:53', 'FWM/07', 'TCP/10.0.0.1:080', 'X']) expect(serviceOfCanonicalName(other), other).toBeUndefined();
    for (const other of ['[2001:DB8::2]:80', '010.0.0.2:80', 'no port']) expect(realOfCanonicalName(other), other).toBeUndefined();
  });
});

describe('sameServiceKey and sameRealKey', () => {
  it('say two keys are the same exactly when their names are', () => {
    const services: ServiceKey[] = [
      { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
      { kind: 'addr', family: 'inet', protocol: 'udp', address: '10.0.0.1', port: 80 },
      { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.2', port: 80 },
      { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 81 },
      { kind: 'addr', family: 'inet6', protocol: 'tcp', address: '::ffff:10.0.0.1', port: 80 },
      { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
      { kind: 'fwmark', family: 'inet', fwmark: 80 },
      { kind: 'fwmark', family: 'inet6', fwmark: 80 },
      { kind: 'fwmark', family: 'inet', fwmark: 81 },
      { kind: 'fwmark', family: 'inet', fwmark: 80 },
    ];
    for (const a of services) for (const b of services) expect(sameServiceKey(a, b), `${serviceName(a)} ${serviceName(b)}`).toBe(serviceName(a) === serviceName(b));
    const reals = [
      { family: 'inet' as const, address: '10.0.0.2', port: 80 },
      { family: 'inet' as const, address: '10.0.0.2', port: 81 },
      { family: 'inet' as const, address: '10.0.0.3', port: 80 },
      { family: 'inet6' as const, address: '2001:db8::2', port: 80 },
      { family: 'inet' as const, address: '10.0.0.2', port: 80 },
    ];
    for (const a of reals) for (const b of reals) expect(sameRealKey(a, b), `${realName(a)} ${realName(b)}`).toBe(realName(a) === realName(b));
  });
});
