import { formatTransportAddress, type TransportAddress } from './transport.js';

/**
 * What to tell the operator about reaching the master: why a connect failed, in words a person can act on. Pure: the caller brings the errno and what is at the socket
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
        hint: `nobody accepts connections on ${path}: a socket left behind by an snmpd that is no longer running? ${MASTER_LINE}?`,
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
