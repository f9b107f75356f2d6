import net from 'node:net';
import { quoted } from '../util/bounded-text.js';

/**
 * AgentX transport addresses, in snmpd's own spelling (snmpd.conf agentXSocket): `unix:/path`, a bare `/path`,
 * `tcp:host:port` or `tcp:port` (localhost). RFC 2741 section 8 defines TCP port 705 and Unix domain sockets.
 */
export type TransportAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export const DEFAULT_AGENTX_SOCKET = 'unix:/var/agentx/master';
export const TRANSPORT_FORMS = 'unix:/path, /path or tcp:HOST:PORT';

/** An address outside the forms above; `expected` says what this one lacks (a port in range, an absolute path). */
export class TransportAddressError extends Error {
  override readonly name = 'TransportAddressError';
  constructor(
    readonly text: string,
    readonly expected: string,
  ) {
    super(`agentx: socket ${quoted(text)}: expected ${expected}`);
  }
}

/** struct sockaddr_un's sun_path is 108 bytes on Linux (unix(7)), the terminating NUL included. */
const SUN_PATH_MAX = 107;

export function parseTransportAddress(text: string): TransportAddress {
  const t = text.trim();
  if (t.startsWith('/') || t.startsWith('unix:')) {
    const path = t.startsWith('/') ? t : t.slice(5);
    if (!path.startsWith('/')) throw new TransportAddressError(text, 'unix:/absolute/path');
    if (Buffer.byteLength(path) > SUN_PATH_MAX) throw new TransportAddressError(text, `a socket path of at most ${SUN_PATH_MAX} bytes (sun_path)`);
    return { kind: 'unix', path };
  }
  if (t.startsWith('tcp:')) {
    const rest = t.slice(4);
    const colon = rest.lastIndexOf(':');
    const host = colon < 0 ? 'localhost' : rest.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    const portText = colon < 0 ? rest : rest.slice(colon + 1);
    const port = Number(portText);
    if (host === '') throw new TransportAddressError(text, 'tcp:HOST:PORT with a host before the port');
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      throw new TransportAddressError(text, 'tcp:HOST:PORT with a port from 1 to 65535');
    }
    return { kind: 'tcp', host, port };
  }
  throw new TransportAddressError(text, TRANSPORT_FORMS);
}

export function formatTransportAddress(address: TransportAddress): string {
  return address.kind === 'unix' ? `unix:${address.path}` : `tcp:${address.host}:${address.port}`;
}

/**
 * Bytes one read of the socket may bring. A request is a few hundred bytes; a larger one arrives in parts, which
 * the framer joins.
 */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Opens a stream socket to the master; the caller owns every event on it. Each read lands in one buffer kept for
 * the connection and is handed to `onData` (Node's `onread`), instead of a new Buffer and a 'data' event through
 * the stream machinery per read: a walk is one read per varbind, and that machinery cost more user CPU per round
 * trip than our own decoding.
 */
export function connectTransport(address: TransportAddress, onData: (chunk: Uint8Array) => void): net.Socket {
  const onread = {
    buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
    callback: (bytes: number, buffer: Uint8Array): boolean => {
      onData(buffer.subarray(0, bytes));
      return true; // false would pause the socket
    },
  };
  if (address.kind === 'unix') return net.createConnection({ path: address.path, onread });
  const socket = net.createConnection({ host: address.host, port: address.port, onread });
  socket.setNoDelay(true);
  return socket;
}
