// The real path through the HTTP server (issue 15 item 1): every agent step of the simulator is
// an HTTP request to the Fastify app (auth hook, device cookie, trusted-proxy client address,
// routes, error mapping) over the real broker, guard, log, integrator and detector consumer —
// on PostgreSQL in the benchmark — with the server's clock held by the simulator. Each simulated
// client (network, device) becomes an X-Forwarded-For address behind the trusted proxy and a
// device cookie; each agent signs in through the demo picker once per client and session.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { DetectConsumer } from '../detect/consumer.js';
import { buildApp } from '../server/app.js';
import type { Runtime } from '../server/runtime.js';
import type { FixedClock } from '../shared/clock.js';
import { Broker, type BrokerDriver } from './broker-driver.js';
import type { DemoCustomer } from './demo-data.js';
import type { DriverHooks, StepResult } from './driver.js';
import type { Client, Step } from './tasks.js';
import type { SimAgent, SimWorld } from './world.js';

/** The reverse proxy every simulated request comes through (app.inject's socket address). */
const PROXY = '127.0.0.1';
/** Sign in again after this long (sessions last 12 h). */
const RELOGIN_MS = 11 * 3_600_000;

const digest = (label: string, s: string) => createHash('sha256').update(`sim-${label}|${s}`).digest();

/** The client address standing for simulated network `net` (one /24 per network). */
export function simAddress(net: string): string {
  const h = digest('net', net);
  return `10.${h[0]}.${h[1]}.${1 + ((h[2] ?? 0) % 250)}`;
}

/** The device cookie standing for simulated device `dev`. */
export function simDeviceCookie(dev: string): string {
  return `dv_${digest('dev', dev).toString('base64url')}`;
}

/** A driver whose steps are HTTP requests; `intake` (the helpdesk routing) writes as the broker path does. */
export class HttpBroker extends Broker {
  readonly #app: FastifyInstance;
  readonly #sessions = new Map<string, { cookie: string; at: number }>();

  private constructor(w: SimWorld, rt: Runtime, clock: FixedClock, consumer: DetectConsumer, hooks: DriverHooks, customers: Map<number, DemoCustomer>, app: FastifyInstance, release?: () => Promise<void>) {
    super(w, rt, clock, consumer, hooks, customers, release);
    this.#app = app;
  }

  /** Builds the app over `rt` (demo sign-in, staff step-up off, proxy trusted) and the driver. */
  static async create(w: SimWorld, rt: Runtime, clock: FixedClock, consumer: DetectConsumer, hooks: DriverHooks, customers: Map<number, DemoCustomer>, release?: () => Promise<void>): Promise<BrokerDriver> {
    const app = await buildApp(rt, { demo: true, logger: false, console: false, trustProxy: PROXY, staffStepUp: 'off', tls: false, allowedOrigins: [] });
    await app.ready();
    return new HttpBroker(w, rt, clock, consumer, hooks, customers, app, async () => {
      await app.close();
      await release?.();
    });
  }

  protected override async exec(step: Step): Promise<StepResult> {
    const task = step.task;
    if (step.kind === 'intake') return { ok: true, ticketId: await this.intake(step) };
    const c = this.customers.get(task.customer) as DemoCustomer;
    const ticket = encodeURIComponent(task.ticketId ?? 'none');
    switch (step.kind) {
      case 'lookup': {
        const key = task.key === 'email' ? { email: c.fields.email as string } : task.key === 'phone' ? { phone: c.fields.phone as string } : { accountId: c.accountId };
        const r = await this.#call(task.agent, task.client, 'POST', '/v1/lookups', { ...key, purpose: task.purpose, channel: 'phone', subject: 'Inbound call' });
        return r.ok ? { ok: true, ticketId: (r.body as { id: string }).id } : r;
      }
      case 'view': {
        const r = await this.#call(task.agent, task.client, 'GET', `/v1/tickets/${ticket}/customer`);
        return r.ok ? { ok: true, exposed: true } : r;
      }
      case 'verify': {
        const field = step.field ?? 'dateOfBirth';
        const right = field === 'address' ? (c.fields.address as { postalCode: string }).postalCode : String(c.fields[field]);
        const answer = step.correct ? right : field === 'address' ? '00000' : '1900-01-01';
        const r = await this.#call(task.agent, task.client, 'POST', `/v1/tickets/${ticket}/verify`, { field, answer });
        return r.ok ? { ok: true, exposed: true } : r;
      }
      case 'reveal': {
        const r = await this.#call(task.agent, task.client, 'POST', `/v1/tickets/${ticket}/reveals`, { fields: step.fields ?? [], reason: 'the customer asked on the call' });
        return r.ok ? { ok: true, requestId: (r.body as { id: string }).id } : r;
      }
      case 'decide': {
        if (!task.requestId) return { ok: false, code: 'REQUEST_NOT_FOUND' };
        const actor = step.actor as SimAgent;
        return this.#call(actor, ownClient(actor), 'POST', `/v1/reveal-requests/${encodeURIComponent(task.requestId)}/${step.approve ? 'approve' : 'deny'}`, {});
      }
      case 'assign': {
        const actor = step.actor as SimAgent;
        return this.#call(actor, ownClient(actor), 'POST', `/v1/tickets/${ticket}/assign`, { agentId: (step.to as SimAgent).id });
      }
      case 'close':
        return this.#call(task.agent, task.client, 'POST', `/v1/tickets/${ticket}/close`);
    }
  }

  /** One request as `a` from `client`, signing in first when needed; 4xx/5xx → `{ ok: false, code }`. */
  async #call(a: SimAgent, client: Client, method: 'GET' | 'POST', url: string, payload?: object): Promise<StepResult & { body?: unknown }> {
    const now = this.clock.now().getTime();
    // A client that names a session rides on it — a thief replaying the session cookie from
    // their own device and network; otherwise one sign-in per agent and client.
    const key = client.sess ?? `${a.id}|${client.net}|${client.dev}`;
    let s = this.#sessions.get(key);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!s || now - s.at > RELOGIN_MS) {
        // A thief's replayed session was signed in by its owner, from the owner's client.
        const login = await this.#app.inject({ method: 'POST', url: '/v1/demo/login', payload: { agentId: a.id }, headers: headersOf(client.signedInFrom ?? client) });
        if (login.statusCode !== 200) return { ok: false, code: 'AGENT_SUSPENDED' };
        const sess = login.cookies.find((x) => x.name === 'kh_session');
        s = { cookie: `kh_session=${sess?.value}`, at: now };
        this.#sessions.set(key, s);
      }
      const r = await this.#app.inject({ method, url, headers: { ...headersOf(client), cookie: `${s.cookie}; kh_device=${simDeviceCookie(client.dev)}` }, ...(payload ? { payload } : {}) });
      if (r.statusCode < 400) return { ok: true, body: r.json() };
      const code = (r.json() as { error?: { code?: string } }).error?.code ?? `HTTP_${r.statusCode}`;
      if (code !== 'UNAUTHENTICATED' || attempt === 1) return { ok: false, code };
      this.#sessions.delete(key); // the session ended (e.g. suspension): sign in again once
      s = undefined;
    }
    return { ok: false, code: 'UNAUTHENTICATED' };
  }
}

function headersOf(client: Pick<Client, 'net' | 'dev'>): Record<string, string> {
  return { 'x-forwarded-for': simAddress(client.net), cookie: `kh_device=${simDeviceCookie(client.dev)}` };
}

/** The office client of a supervisor or security engineer. */
function ownClient(a: SimAgent): Client {
  return { net: a.office, dev: a.device };
}
