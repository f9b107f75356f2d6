import { SEPARATOR, type CheckResult } from './evaluate.js';

/**
 * The plugin's one line, `LVS <STATE> - <summary> | <perfdata>`, kept within the bytes a monitoring core is sure to
 * read whole. Nagios 3 and Icinga 1 keep the first 8192 bytes of a plugin's output (MAX_PLUGIN_OUTPUT_LENGTH) and
 * drop the rest, mid-item if need be; NRPE 2 about 1 KiB. Debian 12's nagios4 (4.4.6) has no fixed limit, but its
 * worker sometimes stops reading a plugin that is still writing (nagioscore issue #625): here it cut a 10 KB output
 * written in small pieces at 8192 and at 8952 bytes in two of three runs. A cut perfdata item is misread by
 * graphers. So the line is shaped to fit instead: with --all the per-service perfdata goes in whole or not at all
 * (the table's totals always do), and only a summary that alone would not fit is cut, at a character, ending in
 * "...". Pure.
 */

/** Nagios 3's and Icinga 1's MAX_PLUGIN_OUTPUT_LENGTH, the newline included: read whole by every core. */
export const DEFAULT_MAX_OUTPUT = 8192;

const ELLIPSIS = '...';

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest start of `text` within `max` bytes, never splitting a character. */
function cut(text: string, max: number): string {
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = bytes(ch);
    if (used + n > max) break;
    out += ch;
    used += n;
  }
  return out;
}

function join(head: string, perfdata: readonly string[]): string {
  return perfdata.length === 0 ? head : `${head} | ${perfdata.join(' ')}`;
}

/** The status line without its newline; with `maxOutput` > 0, line and newline fit in `maxOutput` bytes. */
export function statusLine(result: CheckResult, maxOutput = 0): string {
  const head = `LVS ${result.state} - ${result.summary}`;
  const detail = result.detail ?? [];
  const full = join(head, [...result.perfdata, ...detail]);
  const fits = (line: string): boolean => maxOutput <= 0 || bytes(line) + 1 <= maxOutput;
  if (fits(full)) return full;
  const shorter = detail.length === 0 ? head : `${head}${SEPARATOR}per-service perfdata left out (the line would be ${bytes(full) + 1} bytes, over --max-output ${maxOutput})`;
  let line = join(shorter, result.perfdata);
  if (fits(line)) return line;
  // Only a summary longer than the room (a large --max-listed, or a long lvsAgentLastError) gets here.
  let tail = result.perfdata.length === 0 ? '' : ` | ${result.perfdata.join(' ')}`;
  if (bytes(tail) > maxOutput / 2) tail = '';
  line = `${cut(shorter, maxOutput - 1 - bytes(tail) - ELLIPSIS.length)}${ELLIPSIS}${tail}`;
  return line;
}
