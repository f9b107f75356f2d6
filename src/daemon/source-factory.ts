import { FileSource } from '../ipvs/file-source.js';
import { IpvsadmSource } from '../ipvs/ipvsadm/ipvsadm-source.js';
import { NetlinkSource } from '../ipvs/netlink-source.js';
import { SimSource } from '../ipvs/sim-source.js';
import type { Source } from '../ipvs/source.js';
import { UsageError } from './cli.js';
import { parseSourceSpec, SourceSpecError, type SourceSpec } from './source-spec.js';

/** Builds the source a --source value names (source-spec.ts; USAGE in cli.ts). */
export async function createSource(text: string): Promise<Source> {
  let spec: SourceSpec;
  try {
    spec = parseSourceSpec(text);
  } catch (err) {
    if (err instanceof SourceSpecError) throw new UsageError(`--source: ${err.message}`);
    throw err;
  }
  switch (spec.kind) {
    case 'netlink':
      return new NetlinkSource({});
    case 'ipvsadm':
      return new IpvsadmSource(spec.path === undefined ? {} : { path: spec.path });
    case 'file':
      return new FileSource(spec.path);
    case 'sim':
      return new SimSource(spec.options);
  }
}
