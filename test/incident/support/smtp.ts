// A real SMTP server for the tests (smtp-server on a free port): it records every message it
// accepted (a 250 reply to DATA) with its Message-ID, idempotency key and recipient. `decide`
// may hold a message (no reply at all) so a test can kill the sender in mid-send.
import { SMTPServer } from 'smtp-server';

/** A message the server accepted. */
export interface ReceivedMail {
  readonly messageId: string;
  readonly idempotencyKey: string;
  readonly redelivery: boolean;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
}

/** A running test SMTP server. `seen` counts DATA transfers, accepted or not. */
export interface TestSmtp {
  port: number;
  readonly received: ReceivedMail[];
  seen: number;
  close(): Promise<void>;
}

function header(head: string, name: string): string {
  const unfolded = head.replace(/\r\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return m?.[1]?.trim() ?? '';
}

/** Starts the server; `decide(mail, n)` (n counts from 1) returns 'accept' or 'hold'. */
export async function startSmtp(decide: (mail: ReceivedMail, n: number) => 'accept' | 'hold' = () => 'accept'): Promise<TestSmtp> {
  const state: TestSmtp = { port: 0, received: [], seen: 0, close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, hideSTARTTLS: true, disableReverseLookup: true,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const split = raw.indexOf('\r\n\r\n');
        const head = raw.slice(0, split);
        const mail: ReceivedMail = {
          messageId: header(head, 'Message-ID'), idempotencyKey: header(head, 'X-Keyhole-Idempotency-Key'),
          redelivery: header(head, 'X-Keyhole-Redelivery') === 'yes', to: session.envelope.rcptTo[0]?.address ?? '',
          subject: header(head, 'Subject'), body: raw.slice(split + 4),
        };
        state.seen++;
        if (decide(mail, state.seen) === 'hold') return; // never answer: the client waits for its 250
        state.received.push(mail);
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.server.address() as { port: number }).port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
