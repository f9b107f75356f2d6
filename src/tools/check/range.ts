/**
 * Threshold ranges as the Monitoring Plugins development guidelines define them ("Threshold and ranges"):
 * `[@]start:end`, start defaulting to 0 when there is no colon, `~` for negative infinity, an empty end for positive
 * infinity. A value alerts when it lies outside start..end (both ends inside), or, with `@`, inside it.
 * Pure: text in, a range out; nothing here does I/O.
 */

export interface Range {
  /** The text as given, written back into the perfdata. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** `@`: alert inside the range instead of outside. */
  readonly inside: boolean;
}

export class RangeError extends Error {
  override readonly name = 'RangeError';
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;

function bound(text: string, whole: string): number {
  if (!NUMBER.test(text)) throw new RangeError(`range "${whole}": "${text}" is not a number`);
  return Number(text);
}

export function parseRange(text: string): Range {
  const whole = text;
  if (text.length === 0 || text.length > 64) throw new RangeError(`range "${text.slice(0, 64)}": expected like 10, 10:, ~:10, 10:20 or @10:20`);
  let body = text;
  const inside = body.startsWith('@');
  if (inside) body = body.slice(1);
  const colon = body.indexOf(':');
  let start = 0;
  let end: number;
  if (colon < 0) {
    end = bound(body, whole);
  } else {
    const startText = body.slice(0, colon);
    const endText = body.slice(colon + 1);
    start = startText === '~' ? -Infinity : bound(startText, whole);
    end = endText === '' ? Infinity : bound(endText, whole);
  }
  if (start > end) throw new RangeError(`range "${whole}": start ${start} is above end ${end}`);
  return { text: whole, start, end, inside };
}

/** Whether `value` alerts against `range` (outside it, or inside it for `@`). */
export function alerts(range: Range, value: number): boolean {
  const within = value >= range.start && value <= range.end;
  return range.inside ? within : !within;
}
