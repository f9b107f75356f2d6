/**
 * How many turns of the event loop other work got while `work` ran: a setImmediate chain counts them. Work that
 * never yields (only microtasks) lets none through.
 */
export async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const count = (): void => {
    turns++;
    if (running) setImmediate(count);
  };
  setImmediate(count);
  try {
    const result = await work();
    return { result, turns };
  } finally {
    running = false;
  }
}
