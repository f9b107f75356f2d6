import { FileSource } from '../ipvs/file-source.js';
import { IpvsadmSource } from '../ipvs/ipvsadm/ipvsadm-source.js';
import { NetlinkSource } from '../ipvs/netlink-source.js';
import { parseSimSpec, SimSource } from '../ipvs/sim-source.js';
import type { Source } from '../ipvs/source.js';
import { UsageError } from './cli.js';

/** Builds the source a --source value names (see USAGE in cli.ts). */
export async function createSource(spec: string): Promise<Source> {
  if (spec === 'sim' || spec.startsWith('sim:')) {
    try {
      return new SimSource(parseSimSpec(spec));
    } catch (err) {
      throw new UsageError(`--source ${(err as Error).message}`);
    }
  }
  if (spec.startsWith('file:')) {
    const path = spec.slice(5);
    if (path === '') throw new UsageError('--source file:PATH needs a path');
    return new FileSource(path);
  }
  if (spec === 'netlink') return new NetlinkSource({});
  if (spec === 'ipvsadm' || spec.startsWith('ipvsadm:')) {
    const path = spec.slice('ipvsadm:'.length);
    return new IpvsadmSource(spec === 'ipvsadm' ? {} : { path });
  }
  throw new UsageError(`--source "${spec}": expected netlink, ipvsadm[:PATH], file:PATH or sim[:OPTIONS]`);
}
