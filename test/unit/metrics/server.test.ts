import { request } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpositionFormat } from '../../../src/metrics/format.js';
import type { PageSink } from '../../../src/metrics/scraper.js';
import { CHUNK_BYTES, PageWriter } from '../../../src/metrics/page-writer.js';
import { MetricsServer } from '../../../src/metrics/server.js';

const log = pino({ level: 'silent' });
const asked: ExpositionFormat[] = [];
/** A page in three chunks, naming the format it was asked for. */
const page = async (format: ExpositionFormat, sink: PageSink): Promise<void> => {
  asked.push(format);
  for (const text of ['# TYPE x gauge\n', `x{format="${format}"} 1\n`, format === 'openmetrics' ? '# EOF\n' : '']) await sink.write(Buffer.from(text));
};

let server: MetricsServer;

beforeAll(async () => {
  server = new MetricsServer({ host: '127.0.0.1', port: 0 }, page, log);
  expect(await server.start()).toBe(true);
});

afterAll(async () => {
  await server.stop();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function ask(method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics HTTP server', () => {
  it('serves GET /metrics in the text format by default, as it is made (chunked)', async () => {
    const a = await ask('GET', '/metrics');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(a.body).toBe('# TYPE x gauge\nx{format="prometheus"} 1\n');
    expect(a.headers['transfer-encoding']).toBe('chunked');
  });

  it('serves OpenMetrics when Accept asks for it, and ignores a query string', async () => {
    const a = await ask('GET', '/metrics?x=1', { Accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' });
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(a.body).toBe('# TYPE x gauge\nx{format="openmetrics"} 1\n# EOF\n');
  });

  it('answers HEAD with the headers only, without rendering a page', async () => {
    asked.length = 0;
    const a = await ask('HEAD', '/metrics', { Accept: 'application/openmetrics-text' });
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(a.body).toBe('');
    expect(asked).toEqual([]);
  });

  it.each(['/', '/metrics/', '/metricsx', '/favicon.ico'])('answers 404 for %s', async (path) => {
    const a = await ask('GET', path);
    expect(a.status).toBe(404);
    expect(a.body).toBe('Not found: the metrics are at /metrics\n');
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('answers 405 to %s, naming the methods allowed', async (method) => {
    const a = await ask(method, '/metrics');
    expect(a.status).toBe(405);
    expect(a.headers.allow).toBe('GET, HEAD');
    expect(a.body).toBe(`Method ${method} not allowed: expected GET or HEAD\n`);
  });

  it('answers 500 when the page cannot be made, and keeps serving', async () => {
    const failing = new MetricsServer({ host: '127.0.0.1', port: 0 }, () => Promise.reject(new Error('boom')), log);
    expect(await failing.start()).toBe(true);
    try {
      const a = await new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port: failing.port, path: '/metrics' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      expect(a).toBe(500);
    } finally {
      await failing.stop();
    }
    expect((await ask('GET', '/metrics')).status).toBe(200);
  });

  it('reports an address it cannot listen on instead of throwing', async () => {
    const taken = new MetricsServer({ host: '127.0.0.1', port: server.port }, page, log);
    expect(await taken.start()).toBe(false);
    await taken.stop();
  });

  it('reuses page buffers only after the socket has written them: slow and fast clients at once get whole pages', async () => {
    // 400 buffers (26 MB) of distinct lines per page, more than loopback's socket buffers hold, so that the socket
    // keeps a stalled client's buffers: one handed out again too early would show in that client's body.
    const lines = (n: number): string => `line ${String(n).padStart(8, '0')} ${'x'.repeat(85)}\n`;
    const expected = Array.from({ length: (400 * CHUNK_BYTES) / 100 }, (_, n) => lines(n)).join('');
    const big = async (_format: ExpositionFormat, sink: PageSink): Promise<void> => {
      const out = new PageWriter();
      let n = 0;
      while (out.size < expected.length) {
        out.text(lines(n++));
        for (const chunk of out.take()) await sink.write(chunk);
      }
      for (const chunk of out.take(true)) await sink.write(chunk);
    };
    const bigServer = new MetricsServer({ host: '127.0.0.1', port: 0 }, big, log);
    expect(await bigServer.start()).toBe(true);
    try {
      const fetchPage = (stallMs: number): Promise<string> =>
        new Promise((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: bigServer.port, path: '/metrics' }, (res) => {
            const parts: Buffer[] = [];
            res.pause();
            setTimeout(() => res.resume(), stallMs);
            res.on('data', (c: Buffer) => parts.push(c));
            res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
          });
          req.on('error', reject);
          req.end();
        });
      const bodies = await Promise.all([fetchPage(1500), fetchPage(0), fetchPage(0), fetchPage(0)]);
      for (const body of bodies) {
        expect(body.length).toBe(expected.length);
        expect(body === expected).toBe(true);
      }
    } finally {
      await bigServer.stop();
    }
  });
});
