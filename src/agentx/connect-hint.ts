import net from 'node:net';
import { formatTransportAddress, type TransportAddress } from './transport.js';

/**
 * What to tell the operator about reaching the master: why a connect failed, in words a person can act on, and
 * whether the master address is exposed to other hosts. Pure: the caller brings the errno and what is at the socket
 * path (connection.ts stats it), and logs what comes back.
 */

/** What is at a Unix socket path, as stat(2) saw it after the connect failed. */
export type PathKind = 'socket' | 'file' | 'directory' | 'other' | 'missing' | 'no-access' | 'unknown';

export type ConnectCause =
  /** ENOENT on a Unix path: no socket there (snmpd stopped, restarting, or listening elsewhere). */
  | 'socket-missing'
  /** ECONNREFUSED on a Unix path that is a socket: nobody accepts on it (a stale socket of a dead snmpd). */
  | 'nobody-listening'
  /** ECONNREFUSED or ENOTSOCK on a Unix path that is a regular file, directory or other non-socket. */
  | 'not-a-socket'
  /** EACCES or EPERM on a Unix path: the socket's mode or its directory's keeps us out (agentXPerms). */
  | 'permission-denied'
  /** EAGAIN on a Unix path: the master's listen queue is full, it is not accepting (stopped or stalled). */
  | 'master-busy'
  /** ECONNREFUSED over TCP: nothing listens on that port. */
  | 'tcp-refused'
  /** Over TCP: no route, the host down, a firewall, or no answer within the connect timeout. */
  | 'tcp-unreachable'
  /** Over TCP: the host name does not resolve. */
  | 'host-unknown'
  /** Anything else: the errno itself (ECONNRESET, EPIPE...) or the message when there is none. */
  | 'other';

export interface ConnectProblem {
  readonly cause: ConnectCause;
  /** What to check or change; absent when there is nothing better to say than the error itself. */
  readonly hint?: string;
}

/**
 * The package's snmpd drop-in (packaging/snmpd.conf.d/lvs-agentx.conf): socket 0660 owned by snmpd's user and the
 * agent's group, /var/agentx searchable by others. snmpd applies it only when it starts.
 */
export const AGENTX_PERMS_LINE = 'agentXPerms 0660 0711 Debian-snmp lvs-agentx';

const MASTER_LINE = 'is snmpd running, with "master agentx" in snmpd.conf';

/** Why connecting to `address` failed with errno `code` (undefined when the error had none), given what `stat` found. */
export function classifyConnectError(address: TransportAddress, code: string | undefined, stat: PathKind = 'unknown'): ConnectProblem {
  return address.kind === 'unix' ? classifyUnix(address.path, code, stat) : classifyTcp(address, code);
}

function classifyUnix(path: string, code: string | undefined, stat: PathKind): ConnectProblem {
  switch (code) {
    case 'ENOENT':
      return {
        cause: 'socket-missing',
        hint: `no socket at ${path}: ${MASTER_LINE}, and is its agentXSocket this path (default /var/agentx/master)?`,
      };
    case 'EACCES':
    case 'EPERM':
      return {
        cause: 'permission-denied',
        hint:
          `${stat === 'no-access' ? `the agent may not search the directory of ${path}` : `the agent may not write to ${path}`}: ` +
          `add "${AGENTX_PERMS_LINE}" to snmpd.conf (the package's /etc/snmp/snmpd.conf.d/lvs-agentx.conf has it), ` +
          'then restart snmpd (it applies agentXPerms only at start)',
      };
    case 'EAGAIN':
      return { cause: 'master-busy', hint: `snmpd accepts no connections on ${path}: is it stopped (SIGSTOP) or stalled?` };
    case 'ECONNREFUSED':
    case 'ENOTSOCK':
      if (stat === 'file' || stat === 'directory' || stat === 'other') {
        const what = stat === 'file' ? 'a regular file' : stat === 'directory' ? 'a directory' : 'a file of another kind';
        return {
          cause: 'not-a-socket',
          hint: `${path} is ${what}, not a socket: remove it and restart snmpd, or give --agentx-socket the path of snmpd's agentXSocket`,
        };
      }
      // A socket, or a path we could not look at: a socket that nobody accepts on is by far the likelier.
      return {
        cause: 'nobody-listening',
        hint: `nobody accepts connections on ${path}: a socket left behind by an snmpd that is no longer running, or one still starting; ${MASTER_LINE}?`,
      };
    default:
      return { cause: 'other' };
  }
}

function classifyTcp(address: Extract<TransportAddress, { kind: 'tcp' }>, code: string | undefined): ConnectProblem {
  const where = formatTransportAddress(address);
  switch (code) {
    case 'ECONNREFUSED':
      return {
        cause: 'tcp-refused',
        hint: `nothing listens on ${where}: ${MASTER_LINE} and "agentXSocket ${where}"?`,
      };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'ETIMEDOUT':
    case 'EPERM':
      return {
        cause: 'tcp-unreachable',
        hint: `${address.host} cannot be reached on port ${address.port} (${code}): check the address, the route and any firewall`,
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return { cause: 'host-unknown', hint: `the host name ${address.host} does not resolve (${code})` };
    default:
      return { cause: 'other' };
  }
}

/** 127.0.0.0/8, ::1 (in any spelling, and IPv4-mapped 127/8) and the name localhost: not reachable from other hosts. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true; // RFC 6761 section 6.3
  if (net.isIPv4(h)) return h.split('.')[0] === '127';
  if (!net.isIPv6(h)) return false;
  if (h.includes('.')) {
    // An IPv4-mapped address (::ffff:127.0.0.1): its last 32 bits are the dotted quad; stand two zero groups in for it.
    const colon = h.lastIndexOf(':');
    const prefix = `${h.slice(0, colon + 1)}0:0`;
    return expandIPv6(prefix) === '0000:0000:0000:0000:0000:ffff:0000:0000' && isLoopbackHost(h.slice(colon + 1));
  }
  return expandIPv6(h) === '0000:0000:0000:0000:0000:0000:0000:0001';
}

/** The eight groups of an IPv6 address (hexadecimal groups only), four digits each. */
function expandIPv6(address: string): string {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => g.padStart(4, '0')).join(':');
}

/**
 * The startup warning for a master reached over TCP on an address other hosts may reach, or undefined. AgentX has
 * no authentication or access control of its own (RFC 2741, Security Considerations, leaves it to the transport): whoever can reach
 * the port can register subtrees with the master, or pose as the master to us.
 */
export function tcpExposureWarning(address: TransportAddress): string | undefined {
  if (address.kind !== 'tcp' || isLoopbackHost(address.host)) return undefined;
  return (
    `AgentX over TCP has no authentication (RFC 2741, Security Considerations): anyone who can reach ${address.host} port ${address.port} ` +
    'can register with the master and serve MIB data through it; prefer a unix: socket, or a loopback address with ' +
    'the port firewalled'
  );
}
