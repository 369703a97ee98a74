import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP server on 127.0.0.1 for fakes of OpenAI-compatible APIs: `handle` gets each request with its whole body. */
export class LocalServer {
  private constructor(private readonly server: http.Server) {}

  static async start(handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): Promise<LocalServer> {
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => handle(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new LocalServer(server);
  }

  /** The base URL an OpenAI client takes, ending in /v1. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
