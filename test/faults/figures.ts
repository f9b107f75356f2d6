/** Small summaries for the figures the fault tests print. */

export function summary(values: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { min: sorted[0] ?? NaN, median, max: sorted[sorted.length - 1] ?? NaN };
}

/** The agent's log lines (pino JSON) counted by level: 40 warn, 50 error, 60 fatal; anything else as "not JSON". */
export function logLevels(lines: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of lines) {
    if (line.trim() === '') continue;
    let level = 'not JSON';
    try {
      level = String((JSON.parse(line) as { level?: unknown }).level);
    } catch {
      // counted as not JSON
    }
    out[level] = (out[level] ?? 0) + 1;
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Log lines at `minLevel` or above counted by message ("agentx connection to master lost; reconnecting": 3). */
export function logMessages(lines: readonly string[], minLevel = 40): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of lines) {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) >= minLevel) out[entry.msg ?? '?'] = (out[entry.msg ?? '?'] ?? 0) + 1;
    } catch {
      // not JSON: logLevels counts it
    }
  }
  return out;
}
