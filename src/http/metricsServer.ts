// A worker has no API, yet its counters matter most at scale: with CHANGEHOOK_METRICS_PORT set it
// serves GET /metrics (and /healthz) on that port, nothing else.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsEndpoint } from './app.ts';

export async function startMetricsServer(metrics: MetricsEndpoint, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/metrics') {
      metrics.scrape().then(
        (body) => response.writeHead(200, { 'content-type': metrics.contentType }).end(body),
        () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
      );
    } else if (request.method === 'GET' && path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only /metrics and /healthz here\n');
    }
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
