import type { Source } from '../ipvs/source.js';
import { UsageError } from './cli.js';
import { parseSourceSpec, SourceSpecError, type SourceSpec } from './source-spec.js';

/**
 * Builds the source a --source value names (source-spec.ts; USAGE in cli.ts). Only the named source's modules are
 * loaded: the others are never needed by this process, and `lvs-agentx snapshot` pays for every module it loads.
 */
export interface SourceUse {
  /**
   * The source serves one read for a command that exits after it (snapshot, check, mrtg), not the daemon: nothing else
   * waits on the event loop meanwhile, so a read need not give it back every few milliseconds.
   */
  readonly oneShot?: boolean;
}

export async function createSource(text: string, use: SourceUse = {}): Promise<Source> {
  let spec: SourceSpec;
  try {
    spec = parseSourceSpec(text);
  } catch (err) {
    if (err instanceof SourceSpecError) throw new UsageError(`--source: ${err.message}`);
    throw err;
  }
  switch (spec.kind) {
    case 'netlink': {
      const { NetlinkSource } = await import('../ipvs/netlink-source.js');
      return new NetlinkSource(use.oneShot === true ? { sliceMs: Number.POSITIVE_INFINITY } : {});
    }
    case 'ipvsadm': {
      const { IpvsadmSource } = await import('../ipvs/ipvsadm/ipvsadm-source.js');
      return new IpvsadmSource(spec.path === undefined ? {} : { path: spec.path });
    }
    case 'file': {
      const { FileSource } = await import('../ipvs/file-source.js');
      return new FileSource(spec.path);
    }
    case 'sim': {
      const { SimSource } = await import('../ipvs/sim-source.js');
      return new SimSource(spec.options);
    }
  }
}
