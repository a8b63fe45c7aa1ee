// Broker events across every Keyhole server on one PostgreSQL (issue 18 part 1). An event is
// delivered to this process's subscribers at once and appended to `cluster_events`
// (migrations/0070) with a NOTIFY on `keyhole_events` in the same statement; every other server
// LISTENs on a dedicated connection, and on each notification — and every `pollMs` anyway —
// reads the rows after the last sequence number it saw. The notification is only a wake-up:
// a server whose listening connection dropped, or that missed a notification, catches up by
// sequence and loses nothing. Sequence numbers are taken at insert but become visible at
// commit, so a number skipped by a read is remembered as a gap and read again for `gapMs`
// (an insert that rolled back leaves a gap for ever). Pomerium's databroker does the same
// (LISTEN/NOTIFY plus a versioned change table). On PGlite BrokerEvents stays in-process.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { BrokerEvents, type BrokerEvent } from './events.js';

/** The NOTIFY channel. */
export const EVENTS_CHANNEL = 'keyhole_events';
/** The application_name of the listening connection (operators and tests find it by this). */
export const LISTENER_APP_NAME = 'keyhole-events';

/** Options of ClusterEvents. */
export interface ClusterEventsOptions {
  /** The database (PostgreSQL) holding `cluster_events`. */
  readonly db: Kysely<any>;
  /** PostgreSQL connection string for the dedicated LISTEN connection. */
  readonly connectionString: string;
  /** This server's name on the rows it writes (its own rows are not delivered twice). */
  readonly instanceId: string;
  /** Read even without a notification this often, in ms (default 500). */
  readonly pollMs?: number;
  /** How long a skipped sequence number is looked for again, in ms (default 15 000). */
  readonly gapMs?: number;
  /** Rows older than this are deleted, in ms (default 10 minutes). */
  readonly retentionMs?: number;
  /** Most events kept while the database cannot be written (default 10 000; the oldest go first). */
  readonly maxQueued?: number;
  /** Called with errors of the background work (the work is retried). */
  readonly onError?: (e: unknown) => void;
}

/** A unique name for this server process: host, pid and a random suffix. */
export function newInstanceId(): string {
  return `${hostname().replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Whether a NOTIFY payload (`<instanceId> <max seq>`, written by #flush) announces only rows
 *  written by `instanceId`. Any other payload, or none, is someone else's wake-up. */
export function isOwnWakeUp(payload: string | undefined, instanceId: string): boolean {
  if (payload === undefined) return false;
  const space = payload.lastIndexOf(' ');
  return space > 0 && payload.slice(0, space) === instanceId && /^[0-9]+$/.test(payload.slice(space + 1));
}

const READ_LIMIT = 1000;
const WRITE_BATCH = 500;

/** BrokerEvents shared through PostgreSQL. Call `start()` before use and `stop()` at the end. */
export class ClusterEvents extends BrokerEvents {
  readonly #db: Kysely<any>;
  readonly #opts: Required<Omit<ClusterEventsOptions, 'db' | 'onError'>> & Pick<ClusterEventsOptions, 'onError'>;
  #last = 0;
  readonly #gaps = new Map<number, number>(); // seq → when first missed (ms)
  #reading: Promise<void> | undefined;
  #readAgain = false;
  #queue: BrokerEvent[] = [];
  #writing: Promise<void> | undefined;
  #listener: pg.Client | undefined;
  #timers: NodeJS.Timeout[] = [];
  #reconnect: NodeJS.Timeout | undefined;
  #stopped = true;
  #backoffMs = 250;

  constructor(opts: ClusterEventsOptions) {
    super();
    this.#db = opts.db;
    this.#opts = { pollMs: 500, gapMs: 15_000, retentionMs: 10 * 60_000, maxQueued: 10_000, ...opts };
  }

  /** This server's instance id. */
  get instanceId(): string {
    return this.#opts.instanceId;
  }

  /** Starts reading after the newest existing row and listening. Throws when the database
   *  cannot be read (start-up then fails, as for any other database error). */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    const r = await sql<{ seq: number }>`select coalesce(max(seq), 0)::int8 as seq from cluster_events`.execute(this.#db);
    this.#last = Number(r.rows[0]!.seq);
    await this.#listen().catch((e) => this.#lostListener(e));
    const poll = setInterval(() => this.#read(), this.#opts.pollMs);
    const prune = setInterval(() => void this.#prune(), Math.min(60_000, this.#opts.retentionMs));
    poll.unref();
    prune.unref();
    this.#timers.push(poll, prune);
  }

  /** Sends what is queued (waiting at most `flushMs`), stops reading and closes the listener. */
  async stop(flushMs = 2000): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    if (this.#reconnect) clearTimeout(this.#reconnect);
    const deadline = Date.now() + flushMs;
    while (this.#queue.length > 0 && Date.now() < deadline) {
      this.#flush();
      await Promise.race([this.#writing, new Promise((r) => setTimeout(r, 100))]);
    }
    await this.#writing;
    await this.#reading;
    const l = this.#listener;
    this.#listener = undefined;
    await l?.end().catch(() => undefined);
  }

  /** Delivers `event` here at once and forwards it to the other servers. */
  override publish(event: BrokerEvent): void {
    this.deliver(event);
    if (this.#queue.length >= this.#opts.maxQueued) this.#queue.shift();
    this.#queue.push(event);
    this.#flush();
  }

  /** Reads now (also what a notification does); resolves when the read is done. */
  catchUp(): Promise<void> {
    this.#read();
    return this.#reading ?? Promise.resolve();
  }

  #flush(): void {
    if (this.#writing || this.#queue.length === 0) return;
    const batch = this.#queue.slice(0, WRITE_BATCH);
    this.#writing = sql`
      with i as (insert into cluster_events (origin, event)
                 select ${this.#opts.instanceId}, e from jsonb_array_elements(${JSON.stringify(batch)}::jsonb) as e returning seq)
      select pg_notify(${EVENTS_CHANNEL}, ${this.#opts.instanceId} || ' ' || coalesce(max(seq), 0)::text) from i`.execute(this.#db).then(
      () => {
        this.#queue.splice(0, batch.length);
        this.#writing = undefined;
        this.#flush();
      },
      (e) => {
        this.#opts.onError?.(e);
        setTimeout(() => {
          this.#writing = undefined;
          this.#flush();
        }, 500).unref();
      },
    );
  }

  #read(): void {
    if (this.#stopped && this.#reading === undefined) return;
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = this.#readAll().catch((e) => this.#opts.onError?.(e)).finally(() => {
      this.#reading = undefined;
      if (this.#readAgain && !this.#stopped) {
        this.#readAgain = false;
        this.#read();
      }
    });
  }

  async #readAll(): Promise<void> {
    for (;;) {
      const now = Date.now();
      for (const [seq, since] of this.#gaps) if (now - since > this.#opts.gapMs) this.#gaps.delete(seq);
      const gaps = [...this.#gaps.keys()];
      const r = await sql<{ seq: number; origin: string; event: unknown }>`
        select seq, origin, event from cluster_events where seq > ${this.#last} or seq = any(${gaps}::int8[])
        order by seq limit ${READ_LIMIT}`.execute(this.#db);
      for (const row of r.rows) {
        const seq = Number(row.seq);
        if (seq > this.#last) {
          for (let s = this.#last + 1; s < seq && this.#gaps.size < 10_000; s++) this.#gaps.set(s, now);
          this.#last = seq;
        } else if (!this.#gaps.delete(seq)) continue; // already delivered
        if (row.origin === this.#opts.instanceId) continue;
        const event = (typeof row.event === 'string' ? JSON.parse(row.event) : row.event) as BrokerEvent;
        this.deliver(event);
      }
      if (r.rows.length < READ_LIMIT) return;
    }
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#opts.connectionString, application_name: LISTENER_APP_NAME, keepAlive: true });
    client.on('error', (e) => this.#lostListener(e, client));
    client.on('end', () => this.#lostListener(undefined, client));
    // A wake-up for rows this server wrote itself needs no read: its subscribers already have
    // them. Those rows are still read (and skipped) by the next poll or foreign wake-up, so the
    // sequence bookkeeping is unchanged; a payload of another form (another version) reads.
    client.on('notification', (n) => {
      if (!isOwnWakeUp(n.payload, this.#opts.instanceId)) this.#read();
    });
    this.#listener = client;
    await client.connect();
    await client.query(`listen ${EVENTS_CHANNEL}`);
    this.#backoffMs = 250;
    this.#read(); // what happened while not listening
  }

  #lostListener(e: unknown, client?: pg.Client): void {
    if (client !== undefined && client !== this.#listener) return;
    if (e !== undefined) this.#opts.onError?.(e);
    const old = this.#listener;
    this.#listener = undefined;
    old?.end().catch(() => undefined);
    if (this.#stopped || this.#reconnect) return;
    this.#reconnect = setTimeout(() => {
      this.#reconnect = undefined;
      if (this.#stopped) return;
      this.#listen().catch((err) => this.#lostListener(err));
    }, this.#backoffMs);
    this.#reconnect.unref();
    this.#backoffMs = Math.min(this.#backoffMs * 2, 5000);
    this.#read();
  }

  async #prune(): Promise<void> {
    try {
      await sql`delete from cluster_events where created_at < now() - make_interval(secs => ${this.#opts.retentionMs / 1000})`.execute(this.#db);
    } catch (e) {
      this.#opts.onError?.(e);
    }
  }
}
