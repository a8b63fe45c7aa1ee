// The seam every SIEM sink implements: deliver a batch of OCSF events in order, resolving only
// once the transport has taken all of them (TCP: handed to the kernel; HTTP: a 2xx answer), so
// the shipper may then advance its durable cursor. A failure rejects; the shipper retries the
// same batch with backoff (at-least-once, in order).

/** One event to deliver: its OCSF object and, for log events, its log index and leaf hash
 *  (carried outside the JSON too, e.g. in syslog STRUCTURED-DATA). */
export interface SiemEvent {
  readonly ocsf: Record<string, unknown>;
  readonly seq: number | null;
  readonly leafHash: string | null;
  readonly time: Date;
  /** Syslog severity 0–7 (RFC 5424 §6.2.1). */
  readonly syslogSeverity: number;
}

/** A SIEM destination. */
export interface SiemSink {
  readonly name: string;
  /** Delivers `events` in order. MUST NOT resolve before the transport accepted every one.
   *  @throws on any failure (nothing is assumed delivered). */
  send(events: readonly SiemEvent[]): Promise<void>;
  close(): Promise<void>;
}
