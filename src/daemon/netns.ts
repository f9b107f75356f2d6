import { existsSync, statSync } from 'node:fs';
import type { Source } from '../ipvs/source.js';

/**
 * The network namespace the agent serves (--netns). IPVS tables live per network namespace, and a netlink socket
 * sees the namespace of the process that opens it. Node has no setns(2), so the agent does not enter a namespace
 * itself: it is started inside one — by systemd (NetworkNamespacePath= in lvs-agentx@.service, no privilege needed
 * by the agent), or by `ip netns exec NAME` / `nsenter --net=PATH` (those need CAP_SYS_ADMIN, the agent does not).
 * --netns states which namespace that must be: checked before anything is read, and again before every read,
 * because a namespace deleted under the agent (`ip netns del`) lives on as long as the agent is in it, with its
 * IPVS table frozen and unreachable to anyone else: the agent would go on serving a table nobody can change.
 *
 * A namespace is identified by the device and inode of its nsfs file: the same for /proc/self/ns/net and for the
 * bind mount that `ip netns add` (or Docker) made of it.
 */

/** Where `ip netns` keeps its namespaces: /run/netns (iproute2's NETNS_RUN_DIR), /var/run/netns on older systems. */
export const NETNS_DIRS = ['/run/netns', '/var/run/netns'] as const;

/** What identifies a namespace: its nsfs file's device and inode. */
export interface NamespaceId {
  readonly dev: number;
  readonly ino: number;
}

/** Reads a path's namespace id; throws the fs error (ENOENT for a namespace removed by `ip netns del`). */
export type StatNamespace = (path: string) => NamespaceId;

const statNamespace: StatNamespace = (path) => {
  const s = statSync(path);
  return { dev: s.dev, ino: s.ino };
};

/**
 * The nsfs path a --netns value names: an absolute path as it is; a NAME is /run/netns/NAME, or /var/run/netns/NAME
 * where only that exists.
 */
export function netnsPath(value: string, exists: (path: string) => boolean = existsSync): string {
  if (value.startsWith('/')) return value;
  const [run, varRun] = NETNS_DIRS;
  const legacy = `${varRun}/${value}`;
  return !exists(`${run}/${value}`) && exists(legacy) ? legacy : `${run}/${value}`;
}

/** Why the agent is not (or no longer) in the namespace --netns names: one sentence, for the log line. */
export type NamespaceProblem = string;

/**
 * Compares the namespace this process is in with the one `path` names. undefined: the same; otherwise the problem.
 * `self` defaults to /proc/self/ns/net.
 */
export function namespaceProblem(path: string, stat: StatNamespace = statNamespace, self = '/proc/self/ns/net'): NamespaceProblem | undefined {
  let ours: NamespaceId;
  try {
    ours = stat(self);
  } catch (err) {
    return `cannot read ${self} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  let theirs: NamespaceId;
  try {
    theirs = stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${path} does not exist (deleted, e.g. by ip netns del?)` : `cannot read ${path} (${code ?? (err as Error).message})`;
  }
  if (ours.dev === theirs.dev && ours.ino === theirs.ino) return undefined;
  return `${path} is network namespace ${theirs.ino}, this process is in ${ours.ino}`;
}

/** What to tell an operator whose agent was started outside the namespace. */
export function startOutsideHint(path: string): string {
  return (
    `start the agent inside it: the unit lvs-agentx@NAME.service (systemd joins /run/netns/NAME), ` +
    `or ip netns exec NAME lvs-agentx ..., or nsenter --net=${path} lvs-agentx ... (both need CAP_SYS_ADMIN); ` +
    'Node cannot enter a namespace by itself'
  );
}

/**
 * `source`, checking before each read that the process is still in the namespace at `path`. The first time it is
 * not, `lost` is called (once) with the problem; the read still goes ahead (the namespace lives while we are in
 * it), and the daemon decides what to do — it exits non-zero (main.ts).
 */
export function namespaceGuardedSource(source: Source, path: string, lost: (problem: NamespaceProblem) => void, stat?: StatNamespace): Source {
  let reported = false;
  return {
    name: source.name,
    read: () => {
      if (!reported) {
        const problem = namespaceProblem(path, stat);
        if (problem !== undefined) {
          reported = true;
          lost(problem);
        }
      }
      return source.read();
    },
    close: () => source.close(),
  };
}
