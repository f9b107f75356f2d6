import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Long work in slices. snmpd drops a subagent that leaves a request unanswered for agentXTimeout (1 s) on every
 * retry, and every answer waits for whatever holds the event loop; so work that grows with the IPVS table (reading,
 * decoding, tracking, building rows) gives the loop back whenever a slice has used `sliceMs`. Requests arriving
 * meanwhile are answered from the view still in service.
 *
 * 3 ms rather than 5: a scavenge that falls into a slice adds its pause to it (5-7 ms on the development VM while
 * a read's objects survive), and the loop is to be held no more than 20 ms; the extra turns cost microseconds.
 */
export const SLICE_MS = 3;

export class TimeSlicer {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs = SLICE_MS) {}

  /** Yields to the event loop when the current slice is used up; cheap to call often (free with an endless slice). */
  async breathe(): Promise<void> {
    if (this.sliceMs === Number.POSITIVE_INFINITY || performance.now() - this.sliceStart < this.sliceMs) return;
    await nextTurn();
    this.sliceStart = performance.now();
  }
}

/** Runs a generator that yields at safe points, in slices (see TimeSlicer). */
export async function runCooperatively<T>(steps: Generator<void, T>, sliceMs = SLICE_MS): Promise<T> {
  const slicer = new TimeSlicer(sliceMs);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    await slicer.breathe();
  }
}

/** Runs the same kind of generator straight through (tests, tools). */
export function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}
