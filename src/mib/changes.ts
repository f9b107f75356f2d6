import type { RealRow, ServiceRow } from './rows.js';

/**
 * What changed between two reads, as the LVS-MIB notifications report it. A service that appears or disappears
 * is one change (its real servers go with it); real servers added to or removed from a service that exists in both
 * reads, and weight changes (including quiescing to 0), are one change each. The table model (model.ts) finds
 * them while it folds a read in.
 */
export type Change =
  | { readonly kind: 'serviceAdded' | 'serviceRemoved'; readonly service: ServiceRow }
  | { readonly kind: 'realAdded' | 'realRemoved'; readonly real: RealRow }
  | { readonly kind: 'weightChanged'; readonly real: RealRow; readonly previousWeight: number };
