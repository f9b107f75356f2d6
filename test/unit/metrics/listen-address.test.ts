import { describe, expect, it } from 'vitest';
import { formatListenAddress, parseListenAddress } from '../../../src/metrics/listen-address.js';

describe('metrics listen address', () => {
  it.each([
    ['127.0.0.1:9650', { host: '127.0.0.1', port: 9650 }],
    ['[::1]:9650', { host: '::1', port: 9650 }],
    ['[2001:db8::1]:1', { host: '2001:db8::1', port: 1 }],
    ['localhost:65535', { host: 'localhost', port: 65535 }],
    [' 0.0.0.0:80 ', { host: '0.0.0.0', port: 80 }],
  ])('takes %j', (text, address) => {
    expect(parseListenAddress(text)).toEqual(address);
    expect(formatListenAddress(address)).toBe(text.trim());
  });

  it.each([
    ['9650', 'HOST:PORT or [IPV6]:PORT with a port from 1 to 65535, like 127.0.0.1:9650 or [::1]:9650'],
    ['::1:9650', 'HOST:PORT or [IPV6]:PORT with a port from 1 to 65535, like 127.0.0.1:9650 or [::1]:9650'],
    ['127.0.0.1:0', 'a port from 1 to 65535'],
    ['127.0.0.1:70000', 'a port from 1 to 65535'],
    [':9650', 'a host before the port, like 127.0.0.1:9650'],
    ['[10.0.0.1]:9650', 'an IPv6 address inside the brackets, like [::1]:9650'],
    ['bad_host:9650', 'an IPv4 address or a host name before the port'],
  ])('refuses %j: expected %s', (text, expected) => {
    expect(() => parseListenAddress(text)).toThrow(`metrics: listen address: expected ${expected}`);
  });
});
