// TCP traffic generator for the kernel tests (runs inside the guest with the host's node).
//   node traffic.mjs server PORT [REPLY_BYTES]   accept connections; for each, count the bytes until EOF, then
//                                                send REPLY_BYTES bytes back and close. Prints "listening PORT".
//   node traffic.mjs client HOST PORT BYTES      send BYTES bytes, half-close, read the reply until EOF.
//                                                Prints one JSON line {sent, received, ms}.
//   node traffic.mjs hold HOST PORT              connect and keep the connection open and idle (an established
//                                                connection for IPVS's ActiveConn) until SIGTERM. Prints "connected".
import net from 'node:net';

const [mode, ...args] = process.argv.slice(2);
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);

function writeBytes(sock, total, done) {
  let left = total;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      if (!sock.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        sock.once('drain', pump);
        return;
      }
    }
    done();
  };
  pump();
}

if (mode === 'server') {
  const port = Number(args[0]);
  const reply = Number(args[1] ?? 0);
  // allowHalfOpen: the reply is sent after the client's FIN; without it node would end our side on 'end'.
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    let got = 0;
    sock.on('data', (b) => { got += b.length; });
    sock.on('end', () => writeBytes(sock, reply, () => sock.end()));
    sock.on('error', (e) => console.error(`server: ${e.message}`));
    sock.on('close', () => console.log(`connection received=${got}`));
  });
  server.listen(port, () => console.log(`listening ${port}`));
} else if (mode === 'client') {
  const [host, port, bytes] = [args[0], Number(args[1]), Number(args[2])];
  const t0 = process.hrtime.bigint();
  let received = 0;
  const sock = net.connect({ host, port }, () => writeBytes(sock, bytes, () => sock.end()));
  sock.on('data', (b) => { received += b.length; });
  sock.on('error', (e) => { console.error(`client: ${e.message}`); process.exit(1); });
  sock.on('close', () => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(JSON.stringify({ sent: bytes, received, ms: Math.round(ms) }));
  });
} else if (mode === 'hold') {
  const sock = net.connect({ host: args[0], port: Number(args[1]) }, () => console.log('connected'));
  sock.on('error', (e) => { console.error(`hold: ${e.message}`); process.exit(1); });
  process.on('SIGTERM', () => sock.end(() => process.exit(0)));
} else {
  console.error('usage: traffic.mjs server PORT [REPLY_BYTES] | client HOST PORT BYTES | hold HOST PORT');
  process.exit(2);
}
