import type { Snapshot } from './snapshot.js';

/**
 * Where snapshots come from: the kernel over generic netlink, the ipvsadm tool, a file, or a simulation.
 * read() may be called repeatedly; each call returns a complete, self-consistent picture or throws
 * (IpvsReadError for the kernel readers). A snapshot is valid until the next read() of the same source: a source
 * may hand out the same entities again and rewrite their Stats windows in place (the simulator does, as a kernel
 * rewrites its counters); whoever keeps values across reads copies them (the table model does). An empty IPVS table is a normal snapshot with no services.
 * The order of services and real servers is whatever the source met; ordering is the MIB's job.
 */
export interface Source {
  /** Short name for logs ("netlink", "ipvsadm", "file", "sim"). */
  readonly name: string;
  read(): Promise<Snapshot>;
  /** Releases sockets or child processes; read() must not be called afterwards. */
  close(): Promise<void>;
}
