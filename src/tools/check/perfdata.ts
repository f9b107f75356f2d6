import type { Range } from './range.js';

/**
 * Perfdata items as the Monitoring Plugins development guidelines define them ("Performance data"):
 * `'label'=value[UOM];[warn];[crit];[min];[max]`, `c` for a counter. Pure text building.
 */

/**
 * A perfdata label: single-quoted when it holds anything but letters, digits and `_./:-` (guidelines: "the single
 * quotes for the label are optional, required if spaces are in the label"). `=` and `'` cannot appear in one, so
 * they are replaced by `_`.
 */
export function perfLabel(label: string): string {
  const clean = label.replace(/['=]/g, '_');
  return /^[A-Za-z0-9_./:-]+$/.test(clean) ? clean : `'${clean}'`;
}

export interface PerfFields {
  readonly warn?: Range | undefined;
  readonly crit?: Range | undefined;
  readonly min?: number;
  readonly max?: number;
}

/** `'label'=value[UOM];[warn];[crit];[min];[max]`, trailing empty fields dropped. */
export function perfItem(label: string, value: number | bigint, uom = '', fields: PerfFields = {}): string {
  const parts = [fields.warn?.text ?? '', fields.crit?.text ?? '', fields.min === undefined ? '' : String(fields.min), fields.max === undefined ? '' : String(fields.max)];
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return [`${perfLabel(label)}=${value.toString()}${uom}`, ...parts].join(';');
}
