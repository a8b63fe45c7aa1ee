// Demo mode's mail catcher: an SMTP server inside the Keyhole process on 127.0.0.1 (smtp-server)
// that the notification outbox sends to, keeping the last messages in memory so "Send
// notifications" works out of the box and the console can list what was "sent". Never for
// production: it accepts mail from anyone who can reach the loopback port, and delivers nothing.
import { SMTPServer } from 'smtp-server';

/** One caught message: envelope recipient, headers we show, the text body (at most 64 KiB). */
export interface CaughtMail {
  readonly id: number;
  readonly receivedAt: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly messageId: string;
  readonly body: string;
}

/** A running catcher: `url` is the smtp:// URL to give KEYHOLE_SMTP_URL. */
export interface MailCatcher {
  readonly url: string;
  /** The messages caught, newest first (at most `max`). */
  messages(): readonly CaughtMail[];
  close(): Promise<void>;
}

const BODY_MAX = 64 * 1024;

/** The value of header `name` in `head` (folded lines joined), or ''. Compares names as plain
 *  text: the message is attacker-controlled. */
export function headerValue(head: string, name: string): string {
  const wanted = name.toLowerCase();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted) return line.slice(colon + 1).trim();
  }
  return '';
}

/** Starts the catcher on 127.0.0.1 (port 0: any free port), keeping the last `max` messages. */
export async function startMailCatcher(opts: { readonly port?: number; readonly max?: number; readonly now?: () => Date } = {}): Promise<MailCatcher> {
  const max = opts.max ?? 500;
  const now = opts.now ?? (() => new Date());
  const caught: CaughtMail[] = [];
  let next = 1;
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, hideSTARTTLS: true, disableReverseLookup: true, size: 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= BODY_MAX * 2) chunks.push(c);
      });
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const split = raw.indexOf('\r\n\r\n');
        const head = split < 0 ? raw : raw.slice(0, split);
        caught.unshift({
          id: next++, receivedAt: now().toISOString(), from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address).join(', '), subject: headerValue(head, 'Subject'), messageId: headerValue(head, 'Message-ID'),
          body: split < 0 ? '' : raw.slice(split + 4, split + 4 + BODY_MAX),
        });
        caught.length = Math.min(caught.length, max);
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages: () => [...caught],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
