import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Runs a generator that yields at safe points, giving the event loop back whenever a slice has used `sliceMs`:
 * AgentX requests that arrive meanwhile are answered from the view still in service. snmpd drops a subagent
 * that does not answer within agentXTimeout (1 s) several times, so no slice may come near that.
 */
export async function runCooperatively<T>(steps: Generator<void, T>, sliceMs = 10): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}
