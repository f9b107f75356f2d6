import { appendFileSync } from 'node:fs';

/**
 * Comparisons that are all made and all shown, instead of stopping at the first failed expect(): each check prints
 * one line (✓ or ✗, what was compared, both values), the lines go to the test's log and to a file, and the test
 * then asserts that the list of failures is empty. `detail` checks go to the file only (used for the hundreds of
 * per-varbind comparisons, summarised on the console).
 */

function show(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
}

export class Checks {
  readonly failures: string[] = [];
  private readonly console: string[] = [];
  private count = 0;

  constructor(
    readonly title: string,
    private readonly file: string,
  ) {
    this.write(`\n## ${title}`);
  }

  private write(line: string, toConsole = true): void {
    appendFileSync(this.file, `${line}\n`);
    if (toConsole) this.console.push(line);
  }

  /** got === want (compared by their printed form, so bigint 5n equals "5" only if asked as strings). */
  eq(what: string, got: unknown, want: unknown, detail = false): boolean {
    this.count++;
    const g = show(got);
    const w = show(want);
    if (g === w) {
      this.write(`  ✓ ${what}: ${g}`, !detail);
      return true;
    }
    this.write(`  ✗ ${what}: got ${g}, expected ${w}`);
    this.failures.push(`${what}: got ${g}, expected ${w}`);
    return false;
  }

  /** A condition, with the values it was computed from. */
  ok(what: string, cond: boolean, values: string, detail = false): boolean {
    this.count++;
    if (cond) {
      this.write(`  ✓ ${what} (${values})`, !detail);
      return true;
    }
    this.write(`  ✗ ${what} (${values})`);
    this.failures.push(`${what} (${values})`);
    return false;
  }

  note(text: string): void {
    for (const line of text.split('\n')) this.write(`  · ${line}`);
  }

  /** Prints the section, returns the failures (for expect(...).toEqual([])). */
  done(): string[] {
    this.write(`  => ${this.count} comparisons, ${this.failures.length} failed`);
    console.log(this.console.join('\n'));
    return this.failures;
  }
}
