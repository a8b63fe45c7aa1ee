// Syslog over TCP or TLS: each event an RFC 5424 message (facility 13 "log audit", APP-NAME
// keyhole, MSGID the OCSF class, STRUCTURED-DATA `[keyhole@32473 seq="…" leaf="…"]` — 32473 is
// the documentation enterprise number of RFC 5612 — and the OCSF JSON as MSG), framed by
// octet counting (RFC 6587 §3.4.1: `LEN SP MSG`). TLS per RFC 5425. One persistent connection,
// re-opened after any error; a batch resolves when the kernel accepted all of its bytes
// (TCP syslog has no acknowledgements: an event reaching the kernel counts as delivered).
import { hostname } from 'node:os';
import net from 'node:net';
import tls from 'node:tls';
import type { SiemEvent, SiemSink } from './sink.js';

/** Where and how to connect. */
export interface SyslogTarget {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** PEM CA bundle to trust (TLS); the system store when absent. */
  readonly ca?: string | undefined;
  /** Server name to verify (default `host`). */
  readonly servername?: string | undefined;
}

const HOST = hostname().replace(/[^\x21-\x7e]/g, '').slice(0, 255) || '-';
const sdEscape = (s: string) => s.replace(/["\\\]]/g, (c) => `\\${c}`);

/** The RFC 5424 message of `e` (UTF-8 bytes, without framing). */
export function rfc5424(e: SiemEvent): Buffer {
  const pri = 13 * 8 + e.syslogSeverity;
  const msgid = `ocsf.${String(e.ocsf.class_uid ?? '-')}`;
  const sd = e.seq === null ? '-' : `[keyhole@32473 seq="${e.seq}" leaf="${sdEscape(e.leafHash ?? '')}"]`;
  return Buffer.from(`<${pri}>1 ${e.time.toISOString()} ${HOST} keyhole ${process.pid} ${msgid} ${sd} ${JSON.stringify(e.ocsf)}`, 'utf8');
}

/** Octet-counting framing (RFC 6587 §3.4.1) of one message. */
export function octetFrame(msg: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${msg.length} `, 'ascii'), msg]);
}

/** A syslog sink over TCP or TLS. */
export class SyslogSink implements SiemSink {
  readonly name: string;
  readonly #target: SyslogTarget;
  #socket: net.Socket | undefined;
  #broken = false;

  constructor(name: string, target: SyslogTarget) {
    this.name = name;
    this.#target = target;
  }

  async send(events: readonly SiemEvent[]): Promise<void> {
    if (events.length === 0) return;
    const socket = await this.#connect();
    const bytes = Buffer.concat(events.map((e) => octetFrame(rfc5424(e))));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      socket.once('error', onError);
      socket.write(bytes, (err) => {
        socket.off('error', onError);
        if (err || this.#broken) {
          this.#drop();
          reject(err ?? new Error('syslog connection closed'));
        } else resolve();
      });
    }).catch((e: unknown) => {
      this.#drop();
      throw e;
    });
  }

  async close(): Promise<void> {
    const s = this.#socket;
    this.#socket = undefined;
    if (s) await new Promise<void>((resolve) => s.end(() => resolve()));
  }

  #drop(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #connect(): Promise<net.Socket> {
    if (this.#socket && !this.#broken) return Promise.resolve(this.#socket);
    this.#drop();
    this.#broken = false;
    const t = this.#target;
    return new Promise((resolve, reject) => {
      const socket = t.tls
        ? tls.connect({ host: t.host, port: t.port, ca: t.ca, servername: t.servername ?? t.host, minVersion: 'TLSv1.2' })
        : net.connect({ host: t.host, port: t.port });
      const timer = setTimeout(() => socket.destroy(new Error('syslog connect timeout')), 10_000);
      socket.once(t.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.setKeepAlive(true, 30_000);
        socket.on('error', () => { this.#broken = true; });
        socket.on('close', () => { this.#broken = true; });
        socket.on('data', () => undefined); // syslog receivers send nothing back
        this.#socket = socket;
        resolve(socket);
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }
}
