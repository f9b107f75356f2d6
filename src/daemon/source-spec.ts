import { parseSimSpec, type SimOptions } from '../ipvs/sim-source.js';

/**
 * The grammar of a --source value (the `source` key of the config file): what settings.ts validates and
 * source-factory.ts builds a source from, parsed once here.
 *
 *   netlink          the kernel, over generic netlink
 *   ipvsadm[:PATH]   ipvsadm's listings (PATH: the executable; default: ipvsadm on PATH)
 *   file:PATH        a JSON snapshot
 *   sim[:OPTIONS]    the simulator (OPTIONS as parseSimSpec() reads them)
 */
export type SourceSpec =
  | { readonly kind: 'netlink' }
  | { readonly kind: 'ipvsadm'; readonly path: string | undefined }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'sim'; readonly options: SimOptions };

export const SOURCE_FORMS = 'netlink, ipvsadm[:PATH], file:PATH or sim[:OPTIONS]';

/** A --source value outside the grammar; `expected` says what would have been accepted. */
export class SourceSpecError extends Error {
  override readonly name = 'SourceSpecError';
  constructor(
    readonly text: string,
    readonly expected: string,
  ) {
    super(`source "${text}": expected ${expected}`);
  }
}

/** The spec `text` names; throws SourceSpecError for anything else. */
export function parseSourceSpec(text: string): SourceSpec {
  if (text === 'netlink') return { kind: 'netlink' };
  if (text === 'ipvsadm') return { kind: 'ipvsadm', path: undefined };
  const colon = text.indexOf(':');
  const head = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (head === 'sim') {
    try {
      return { kind: 'sim', options: parseSimSpec(text) };
    } catch (err) {
      throw new SourceSpecError(text, `sim[:OPTIONS] (${(err as Error).message})`);
    }
  }
  if ((head === 'ipvsadm' || head === 'file') && colon >= 0) {
    if (rest === '') throw new SourceSpecError(text, `${head}:PATH with a path`);
    return head === 'file' ? { kind: 'file', path: rest } : { kind: 'ipvsadm', path: rest };
  }
  throw new SourceSpecError(text, SOURCE_FORMS);
}
