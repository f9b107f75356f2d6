import net from 'node:net';

/**
 * The metrics endpoint's listen address (setting `metrics-listen`): `HOST:PORT`, an IPv6 literal in brackets
 * (`[::1]:9650`), the host an IPv4 literal, a bracketed IPv6 literal or a host name. Off when the setting is absent.
 */
export interface ListenAddress {
  /** Without brackets: what node:http's listen() takes. */
  readonly host: string;
  readonly port: number;
}

export const LISTEN_FORMS = 'HOST:PORT or [IPV6]:PORT with a port from 1 to 65535, like 127.0.0.1:9650 or [::1]:9650';

/** A text outside those forms; `expected` says what it lacks. */
export class ListenAddressError extends Error {
  override readonly name = 'ListenAddressError';
  constructor(readonly expected: string) {
    super(`metrics: listen address: expected ${expected}`);
  }
}

/** RFC 1123 host names: labels of letters, digits and inner hyphens. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new ListenAddressError(LISTEN_FORMS);
  const [, v6, other, portText] = m;
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new ListenAddressError('a port from 1 to 65535');
  if (v6 !== undefined) {
    if (!net.isIPv6(v6)) throw new ListenAddressError('an IPv6 address inside the brackets, like [::1]:9650');
    return { host: v6, port };
  }
  const host = other as string;
  if (host === '') throw new ListenAddressError('a host before the port, like 127.0.0.1:9650');
  if (!net.isIPv4(host) && !HOST_NAME.test(host)) throw new ListenAddressError('an IPv4 address or a host name before the port');
  return { host, port };
}

export function formatListenAddress(address: ListenAddress): string {
  return net.isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
