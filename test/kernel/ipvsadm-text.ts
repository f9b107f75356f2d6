/**
 * A deliberately small, independent reader of `ipvsadm -Ln --exact [--stats|--rate|--thresholds|--persistent-conn|
 * --tun-info]` output for the kernel tests: it shares no code with src/ipvs/ipvsadm (the agent's own parser), so a
 * test comparing the agent's answers with it checks the agent against the kernel as ipvsadm shows it.
 *
 *   IP Virtual Server version 1.2.1 (size=4096)
 *   Prot LocalAddress:Port Scheduler Flags
 *     -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
 *   TCP  192.0.2.1:8080 wlc persistent 300 mask 255.255.255.0
 *     -> 198.51.100.2:9000            Masq    3      0          0
 *   FWM  7 IPv6 lc
 *
 * Rows are keyed by the names LVS-MIB uses for its indexes ("TCP/192.0.2.1:8080", "FWM6/7", "[2001:db8:1::2]:9000"):
 * ipvsadm prints addresses with inet_ntop, which for the test's addresses is the RFC 5952 text the MIB uses.
 */

export interface IpvsadmService {
  /** Whitespace-separated fields after the address (or after "FWM  N [IPv6]"). */
  readonly fields: string[];
  /** Real server name → its fields after the address. */
  readonly reals: Map<string, string[]>;
}

export interface IpvsadmListing {
  /** From the header line; '' and -1 when there is none (a listing of one service, `ipvsadm -Ln -t VIP:PORT`). */
  readonly version: string;
  readonly size: number;
  readonly services: Map<string, IpvsadmService>;
}

export function parseIpvsadm(text: string): IpvsadmListing {
  let version = '';
  let size = -1;
  const services = new Map<string, IpvsadmService>();
  let current: IpvsadmService | undefined;
  for (const line of text.split('\n')) {
    const header = /^IP Virtual Server version (\S+) \(size=(\d+)\)/.exec(line);
    if (header) {
      version = header[1] as string;
      size = Number(header[2]);
      continue;
    }
    const fwm = /^FWM\s+(\d+)( IPv6)?(.*)$/.exec(line);
    const svc = /^(TCP|UDP|SCTP)\s+(\S+)(.*)$/.exec(line);
    const real = /^\s+->\s+(\S+)(.*)$/.exec(line);
    if (fwm) {
      current = { fields: split(fwm[3] as string), reals: new Map() };
      services.set(`${fwm[2] ? 'FWM6' : 'FWM'}/${fwm[1]}`, current);
    } else if (svc) {
      current = { fields: split(svc[3] as string), reals: new Map() };
      services.set(`${svc[1]}/${svc[2]}`, current);
    } else if (real && real[1] !== 'RemoteAddress:Port') {
      if (!current) throw new Error(`ipvsadm text: real server line before any service: ${line}`);
      current.reals.set(real[1] as string, split(real[2] as string));
    }
  }
  return { version, size, services };
}

function split(s: string): string[] {
  return s.trim() === '' ? [] : s.trim().split(/\s+/);
}

/** Options of a service line in the plain, --thresholds, --persistent-conn and --tun-info listings. */
export interface ServiceOptions {
  readonly scheduler: string;
  /** "(sh-fallback,sh-port)" → ['sh-fallback', 'sh-port'] */
  readonly schedFlags: string[];
  readonly persistent: number | undefined;
  /** "255.255.255.0" for IPv4, the prefix length ("64") for IPv6 */
  readonly mask: string | undefined;
  readonly pe: string | undefined;
  readonly ops: boolean;
}

export function serviceOptions(fields: readonly string[]): ServiceOptions {
  const [scheduler = '', ...rest] = fields;
  let schedFlags: string[] = [];
  let persistent: number | undefined;
  let mask: string | undefined;
  let pe: string | undefined;
  let ops = false;
  for (let i = 0; i < rest.length; i++) {
    const f = rest[i] as string;
    if (f.startsWith('(')) schedFlags = f.replace(/[()]/g, '').split(',');
    else if (f === 'persistent') persistent = Number(rest[++i]);
    else if (f === 'mask') mask = rest[++i];
    else if (f === 'pe') pe = rest[++i];
    else if (f === 'ops') ops = true;
    else throw new Error(`ipvsadm text: unknown service option "${f}" in "${fields.join(' ')}"`);
  }
  return { scheduler, schedFlags, persistent, mask, pe, ops };
}

/** The five numbers of a --stats or --rate row, exact (run with --exact). */
export function fiveNumbers(fields: readonly string[]): bigint[] {
  if (fields.length !== 5 || !fields.every((f) => /^\d+$/.test(f))) {
    throw new Error(`ipvsadm text: expected five numbers, got "${fields.join(' ')}"`);
  }
  return fields.map((f) => BigInt(f));
}

/** "Timeout (tcp tcpfin udp): 900 120 300" */
export function parseTimeouts(text: string): [number, number, number] {
  const m = /Timeout \(tcp tcpfin udp\): (\d+) (\d+) (\d+)/.exec(text);
  if (!m) throw new Error(`ipvsadm text: no timeouts in ${JSON.stringify(text)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
