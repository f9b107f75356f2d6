// UDP traffic for the kernel tests (runs inside the guest with the host's node).
//   node udp-traffic.mjs server PORT                  echo every datagram back to its sender (one dual-stack
//                                                     socket, so IPv4 and IPv6 clients alike). Prints "listening PORT".
//   node udp-traffic.mjs client HOST PORT COUNT SIZE [FLOWS] [WINDOW]
//       send COUNT datagrams of SIZE bytes over FLOWS sockets (each its own source port, so each is one IPVS
//       connection and a round-robin scheduler spreads them over the real servers), at most WINDOW unanswered per
//       flow (default 4: veth queues never overflow, so nothing is lost and the kernel's counters are exact).
//       Prints one JSON line {datagrams, size, sent, received, echoed, lost, flows: [{port, sent, echoed}], ms}:
//       sent/received are payload bytes; echoed counts answered datagrams. Exit status 1 when any was lost.
import dgram from 'node:dgram';
import net from 'node:net';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'server') {
  const port = Number(args[0]);
  const sock = dgram.createSocket({ type: 'udp6', ipv6Only: false });
  sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
  sock.on('error', (e) => console.error(`server: ${e.message}`));
  sock.bind(port, '::', () => console.log(`listening ${port}`));
} else if (mode === 'client') {
  const host = args[0];
  const port = Number(args[1]);
  const count = Number(args[2]);
  const size = Number(args[3]);
  const flows = Number(args[4] ?? 1);
  const window = Number(args[5] ?? 4);
  const type = net.isIPv6(host) ? 'udp6' : 'udp4';
  const payload = Buffer.alloc(size, 0x75);
  const t0 = process.hrtime.bigint();
  const perFlow = Array.from({ length: flows }, (_, i) => Math.floor(count / flows) + (i < count % flows ? 1 : 0));

  const runFlow = (n) =>
    new Promise((resolve) => {
      const sock = dgram.createSocket(type);
      const st = { port: 0, sent: 0, echoed: 0 };
      let idle;
      const finish = () => {
        clearTimeout(idle);
        sock.close();
        resolve(st);
      };
      // A datagram that is not answered within 3 s is lost (TCG is slow, but not that slow).
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(finish, 3000);
      };
      const pump = () => {
        while (st.sent < n && st.sent - st.echoed < window) {
          st.sent++;
          sock.send(payload, port, host);
        }
        if (st.echoed >= n) finish();
        else arm();
      };
      sock.on('message', () => {
        st.echoed++;
        pump();
      });
      sock.on('error', (e) => {
        console.error(`client: ${e.message}`);
        finish();
      });
      sock.bind(0, () => {
        st.port = sock.address().port;
        pump();
      });
    });

  const results = [];
  // Flows one after the other: each is one IPVS connection, scheduled in a predictable order.
  for (const n of perFlow) results.push(await runFlow(n));
  const datagrams = results.reduce((a, f) => a + f.sent, 0);
  const echoed = results.reduce((a, f) => a + f.echoed, 0);
  const ms = Math.round(Number(process.hrtime.bigint() - t0) / 1e6);
  console.log(
    JSON.stringify({ datagrams, size, sent: datagrams * size, received: echoed * size, echoed, lost: datagrams - echoed, flows: results, ms }),
  );
  process.exitCode = datagrams === echoed ? 0 : 1;
} else {
  console.error('usage: udp-traffic.mjs server PORT | client HOST PORT COUNT SIZE [FLOWS] [WINDOW]');
  process.exit(2);
}
