import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { CONTENT_TYPE, negotiateFormat, type ExpositionFormat } from './format.js';
import { formatListenAddress, type ListenAddress } from './listen-address.js';
import type { PageSink } from './scraper.js';
import { releaseChunk } from './page-writer.js';

/**
 * The HTTP side of the metrics endpoint (node:http): GET or HEAD /metrics, 404 for any other path, 405 for any
 * other method. The page comes from `scrape` (Scraper.scrape), written as it is made (chunked), at the client's
 * pace. A client that takes nothing for STALL_MS is cut off: a page in progress holds back the next read's update.
 * A listen failure is logged and leaves the agent running without the endpoint.
 */
export type ScrapeInto = (format: ExpositionFormat, sink: PageSink) => Promise<void>;

/** How long a page may wait for its reader to take more. */
export const STALL_MS = 10_000;

export class MetricsServer {
  private readonly server: Server;

  constructor(
    readonly address: ListenAddress,
    private readonly scrape: ScrapeInto,
    private readonly log: Logger,
  ) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Listens; resolves true when listening, false (logged) when the address cannot be bound. */
  start(): Promise<boolean> {
    const where = formatListenAddress(this.address);
    return new Promise((resolve) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        this.log.error(
          { listen: where, err: err.message },
          'metrics endpoint not started: cannot listen there; set metrics-listen to a free local address and send SIGHUP',
        );
        resolve(false);
      };
      this.server.once('error', onError);
      this.server.listen(this.address.port, this.address.host, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.log.error({ listen: where, err: err.message }, 'metrics endpoint error'));
        this.log.info({ listen: where }, 'metrics endpoint listening: GET /metrics');
        resolve(true);
      });
    });
  }

  /** The port bound (the configured one). */
  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a !== null ? a.port : this.address.port;
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/metrics') return plain(res, 404, 'Not found: the metrics are at /metrics\n');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return plain(res, 405, `Method ${req.method ?? ''} not allowed: expected GET or HEAD\n`);
      }
      const format = negotiateFormat(req.headers.accept);
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'Content-Type': CONTENT_TYPE[format] });
        res.end();
        return;
      }
      const sink: PageSink = {
        write: (chunk) => {
          if (!res.headersSent) res.writeHead(200, { 'Content-Type': CONTENT_TYPE[format] });
          return res.write(chunk, () => releaseChunk(chunk)) ? undefined : drained(res, this.log);
        },
        get closed() {
          return res.destroyed;
        },
      };
      await this.scrape(format, sink);
      if (!res.headersSent) res.writeHead(200, { 'Content-Type': CONTENT_TYPE[format] });
      res.end();
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'metrics scrape failed; answered 500');
      if (!res.headersSent) plain(res, 500, 'Internal error: see the agent log\n');
      else res.destroy();
    }
  }
}

/** Settles when the client has taken what was written (drain), is gone (close), or was cut off after STALL_MS. */
function drained(res: ServerResponse, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      log.warn({ stallMs: STALL_MS }, 'metrics scraper stopped reading; connection closed so that reads can go on');
      res.destroy();
      done();
    }, STALL_MS);
    res.on('drain', done);
    res.on('close', done);
  });
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
