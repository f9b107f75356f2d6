import { UsageError } from '../../daemon/cli.js';
import { evaluate, STATE, type CheckResult } from './evaluate.js';
import { fetchLvs, SnmpFailure } from './fetch.js';
import { CHECK_USAGE, parseCheckOptions } from './options.js';
import { DEFAULT_MAX_OUTPUT, statusLine } from './output.js';

/** `lvs-agentx check ARGS`: the text to print and the plugin's exit code. Never throws. */
export async function runCheck(argv: readonly string[]): Promise<{ readonly code: number; readonly text: string }> {
  let maxOutput = DEFAULT_MAX_OUTPUT;
  const done = (result: CheckResult) => ({ code: STATE[result.state], text: statusLine(result, maxOutput) + '\n' });
  let command;
  try {
    command = parseCheckOptions(argv);
  } catch (err) {
    if (err instanceof UsageError) return done({ state: 'UNKNOWN', summary: err.message, perfdata: [] });
    throw err;
  }
  if (command.kind === 'help') return { code: STATE.UNKNOWN, text: CHECK_USAGE };
  const { options } = command;
  maxOutput = options.maxOutput;
  try {
    return done(evaluate(await fetchLvs(options), options.selection, options.thresholds, options.maxListed));
  } catch (err) {
    if (err instanceof SnmpFailure) return done({ state: 'UNKNOWN', summary: err.message, perfdata: [] });
    return done({ state: 'UNKNOWN', summary: `internal error: ${(err as Error).message}`, perfdata: [] });
  }
}
