// HTTP sinks: NDJSON (one OCSF event a line, `application/x-ndjson`) for collectors and data
// lakes, and Splunk's HTTP Event Collector (POST /services/collector/event with
// `Authorization: Splunk <token>`, a body of concatenated `{"time", "host", "source",
// "sourcetype", "event"}` objects). A batch is delivered on a 2xx answer; anything else rejects
// and the shipper retries it.
import { hostname } from 'node:os';
import type { SiemEvent, SiemSink } from './sink.js';

/** Where to POST and how. */
export interface HttpTarget {
  readonly url: string;
  readonly format: 'ndjson' | 'splunk_hec';
  /** Extra headers, e.g. `{ authorization: 'Bearer …' }`; for Splunk HEC the token goes in `token`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Splunk HEC token. */
  readonly token?: string | undefined;
  readonly timeoutMs?: number;
}

/** The request body of `events` in `format`. */
export function httpBody(events: readonly SiemEvent[], format: HttpTarget['format']): string {
  if (format === 'ndjson') return events.map((e) => `${JSON.stringify(e.ocsf)}\n`).join('');
  const host = hostname();
  return events.map((e) => JSON.stringify({ time: e.time.getTime() / 1000, host, source: 'keyhole', sourcetype: 'ocsf:keyhole', event: e.ocsf })).join('\n');
}

/** An HTTP sink. */
export class HttpSink implements SiemSink {
  readonly name: string;
  readonly #t: HttpTarget;

  constructor(name: string, target: HttpTarget) {
    this.name = name;
    this.#t = target;
  }

  async send(events: readonly SiemEvent[]): Promise<void> {
    if (events.length === 0) return;
    const headers: Record<string, string> = {
      'content-type': this.#t.format === 'ndjson' ? 'application/x-ndjson' : 'application/json', ...this.#t.headers,
      ...(this.#t.format === 'splunk_hec' && this.#t.token ? { authorization: `Splunk ${this.#t.token}` } : {}),
    };
    const r = await fetch(this.#t.url, { method: 'POST', headers, body: httpBody(events, this.#t.format), signal: AbortSignal.timeout(this.#t.timeoutMs ?? 15_000) });
    await r.arrayBuffer().catch(() => undefined);
    if (r.status < 200 || r.status > 299) throw new Error(`${this.name}: HTTP ${r.status}`);
  }

  async close(): Promise<void> {}
}
