import { parseSimSpec, type SimOptions } from '../ipvs/sim-source.js';
import { asciiLine, quoted } from '../util/bounded-text.js';

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
    super(`source ${quoted(text)}: expected ${expected}`);
  }
}

/** Linux PATH_MAX (limits.h): a path, its NUL included, fits in 4096 bytes; a longer one no system call takes. */
const PATH_MAX = 4096;

/**
 * What the simulator can make. Its addresses stay distinct up to 65,535 real servers a service (198.18.0.0/16)
 * and 4,194,304 services; every row is held in memory, about 1.4 KB each in the agent (README "Sizing"), so the
 * table as a whole is bounded too.
 */
export const SIM_LIMITS = { services: 1_000_000, reals: 65_535, rows: 1_000_000 } as const;

function simOptions(text: string): SimOptions {
  let options: SimOptions;
  try {
    options = parseSimSpec(text);
  } catch (err) {
    throw new SourceSpecError(text, `sim[:OPTIONS] (${asciiLine((err as Error).message, 160)})`);
  }
  if (options.services > SIM_LIMITS.services) throw new SourceSpecError(text, `sim with services=N at most ${SIM_LIMITS.services}`);
  if (options.reals > SIM_LIMITS.reals) throw new SourceSpecError(text, `sim with reals=N at most ${SIM_LIMITS.reals} (distinct addresses in 198.18.0.0/16)`);
  if (options.services * options.reals > SIM_LIMITS.rows) {
    throw new SourceSpecError(text, `sim with services x reals at most ${SIM_LIMITS.rows} (every row is held in memory), not ${options.services * options.reals}`);
  }
  return options;
}

/** A file: or ipvsadm: path the system can open: at most PATH_MAX - 1 bytes, no NUL. */
function pathOf(head: string, text: string, path: string): string {
  if (path === '') throw new SourceSpecError(text, `${head}:PATH with a path`);
  if (Buffer.byteLength(path) >= PATH_MAX) throw new SourceSpecError(text, `${head}:PATH with a path shorter than ${PATH_MAX} bytes (PATH_MAX)`);
  if (path.includes('\0')) throw new SourceSpecError(text, `${head}:PATH with a path without NUL characters`);
  return path;
}

/** The spec `text` names; throws SourceSpecError for anything else. */
export function parseSourceSpec(text: string): SourceSpec {
  if (text === 'netlink') return { kind: 'netlink' };
  if (text === 'ipvsadm') return { kind: 'ipvsadm', path: undefined };
  const colon = text.indexOf(':');
  const head = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (head === 'sim') {
    // Options are a few short words: a longer text is not one, and is not handed on to be quoted whole.
    if (text.length > 200) throw new SourceSpecError(text, 'sim[:OPTIONS] with OPTIONS like services=1000,reals=10,churn=1,seed=1');
    return { kind: 'sim', options: simOptions(text) };
  }
  if ((head === 'ipvsadm' || head === 'file') && colon >= 0) {
    const path = pathOf(head, text, rest);
    return head === 'file' ? { kind: 'file', path } : { kind: 'ipvsadm', path };
  }
  throw new SourceSpecError(text, SOURCE_FORMS);
}
