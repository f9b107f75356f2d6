// One NetlinkSource read, measured: what a poll of the agent costs in the reader alone (a benchmark, not a test).
// Run inside the kernel guest by scripts/kernel/bench-poll.sh, as root or with CAP_NET_ADMIN:
//
//   node dist/test/kernel/bench-poll.js [READS]
//
// Prints one JSON line: per read its wall time, the process's CPU time (user, system) spent meanwhile, the longest
// the event loop was blocked meanwhile (sampled every 10 ms, as the agent's maxEventLoopDelayMs), and the size of the
// table read; then the process's RSS. The first read also resolves the generic netlink family.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { NetlinkSource } from '../../src/ipvs/netlink-source.js';

const reads = Number(process.argv[2] ?? 3);
const source = new NetlinkSource();
const results: { wallMs: number; userMs: number; systemMs: number; maxStallMs: number; services: number; reals: number }[] = [];
const loop = monitorEventLoopDelay({ resolution: 10 });
try {
  for (let i = 0; i < reads; i++) {
    loop.reset();
    loop.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const snapshot = await source.read();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    loop.disable();
    results.push({
      wallMs: Math.round(wallMs),
      userMs: Math.round(cpu.user / 1000),
      systemMs: Math.round(cpu.system / 1000),
      maxStallMs: Math.round(loop.max / 1e6),
      services: snapshot.services.length,
      reals: snapshot.services.reduce((a, s) => a + s.reals.length, 0),
    });
  }
  console.log(JSON.stringify({ reads: results, rssMb: Math.round(process.memoryUsage().rss / 1048576) }));
} catch (err) {
  console.log(JSON.stringify({ reads: results, error: (err as Error).message }));
  process.exitCode = 1;
} finally {
  await source.close();
}
