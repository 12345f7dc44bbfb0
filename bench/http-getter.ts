/** GET requests over one kept-alive connection to the local stack's API, for latency figures. */
import { Agent, request as httpRequest } from 'node:http';

export function httpGetter(baseUrl: string): { get(path: string): Promise<number>; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(baseUrl);
  return {
    get(path) {
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path,
            method: 'GET',
            agent,
            headers: { 'user-agent': 'releases-bench' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      });
    },
    close: () => agent.destroy(),
  };
}
