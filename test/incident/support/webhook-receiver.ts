// A local HTTP server standing in for the exchange's webhook endpoint: it records each POST with
// its headers and body and whether the HMAC signature verified; `status` sets the reply.
import { createServer } from 'node:http';
import { SIGNATURE_HEADER, verifyWebhook } from '../../../src/incident/webhook-signature.js';

/** One delivery. */
export interface Delivery {
  readonly path: string;
  readonly idempotencyKey: string;
  readonly redelivery: boolean;
  readonly signatureValid: boolean;
  readonly body: Record<string, unknown>;
}

/** A running receiver. Set `status` to make it answer with an error. */
export interface Receiver {
  url: string;
  readonly deliveries: Delivery[];
  status: number;
  close(): Promise<void>;
}

/** Starts a receiver checking signatures with `secret` against `nowS()` (unix seconds). */
export async function startReceiver(secret: string, nowS: () => number): Promise<Receiver> {
  const state: Receiver = { url: '', deliveries: [], status: 200, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (state.status === 200) {
        state.deliveries.push({
          path: req.url ?? '', idempotencyKey: String(req.headers['idempotency-key'] ?? ''), redelivery: req.headers['keyhole-redelivery'] === 'yes',
          signatureValid: verifyWebhook(secret, req.headers[SIGNATURE_HEADER] as string | undefined, raw, nowS()), body: JSON.parse(raw) as Record<string, unknown>,
        });
      }
      res.writeHead(state.status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  state.close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return state;
}
