import net from 'node:net';

/**
 * AgentX transport addresses, in snmpd's own spelling (snmpd.conf agentXSocket): `unix:/path`, a bare `/path`,
 * `tcp:host:port` or `tcp:port` (localhost). RFC 2741 section 8 defines TCP port 705 and Unix domain sockets.
 */
export type TransportAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export const DEFAULT_AGENTX_SOCKET = 'unix:/var/agentx/master';

export class TransportAddressError extends Error {
  override readonly name = 'TransportAddressError';
}

export function parseTransportAddress(text: string): TransportAddress {
  const t = text.trim();
  if (t.startsWith('/')) return { kind: 'unix', path: t };
  if (t.startsWith('unix:')) {
    const path = t.slice(5);
    if (!path.startsWith('/')) throw new TransportAddressError(`agentx: socket "${text}": expected unix:/absolute/path`);
    return { kind: 'unix', path };
  }
  if (t.startsWith('tcp:')) {
    const rest = t.slice(4);
    const colon = rest.lastIndexOf(':');
    const host = colon < 0 ? 'localhost' : rest.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    const portText = colon < 0 ? rest : rest.slice(colon + 1);
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535 || host === '') {
      throw new TransportAddressError(`agentx: socket "${text}": expected tcp:HOST:PORT with a port 1-65535`);
    }
    return { kind: 'tcp', host, port };
  }
  throw new TransportAddressError(`agentx: socket "${text}": expected unix:/path, /path or tcp:HOST:PORT`);
}

export function formatTransportAddress(address: TransportAddress): string {
  return address.kind === 'unix' ? `unix:${address.path}` : `tcp:${address.host}:${address.port}`;
}

/** Opens a stream socket to the master; the caller owns every event on it. */
export function connectTransport(address: TransportAddress): net.Socket {
  if (address.kind === 'unix') return net.createConnection({ path: address.path });
  const socket = net.createConnection({ host: address.host, port: address.port });
  socket.setNoDelay(true);
  return socket;
}
