// Server-Sent Events (WHATWG HTML §9.2): GET /v1/events streams the broker's events to the
// console, filtered by role — agents get their own reveal-request updates and their own status,
// supervisors the approvals-queue changes, security the full decision feed. A heartbeat keeps
// proxies open and re-checks the credential; suspension or sign-out ends the stream at once.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { BrokerEvent } from '../../access/events.js';
import type { Agent } from '../../access/model.js';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses } from '../schemas.js';
import { agentForSession } from '../../identity/sessions.js';
import { readSessionCookie } from '../../identity/cookies.js';
import { agentForToken } from '../../identity/tokens.js';

/** One message on the stream: its SSE event name and its JSON data. */
export interface SseMessage {
  readonly event: 'audit' | 'reveal_request' | 'agent_status' | 'detect_alert' | 'log_health' | 'access_withdrawn' | 'end';
  readonly data: unknown;
}

/** Why a stream ended (the `end` event's `reason`). */
export type EndReason = 'suspended' | 'session_ended' | 'server_closing';

/** The reconnection delay a stream ended by a shutting-down server suggests (SSE `retry:`). */
export const SERVER_CLOSING_RETRY_MS = 1000;

/** Options of the events route. */
export interface EventStreamOptions {
  /** Heartbeat (and credential re-check) interval in ms; default 15 000. */
  readonly heartbeatMs?: number;
}

/** What `agent` may see of `e`, or undefined. Audit records never hold field values, but the
 *  full feed (every agent's decisions) is for the security team only. */
export function visibleTo(agent: Agent, e: BrokerEvent): SseMessage | undefined {
  switch (e.type) {
    case 'audit':
      return agent.role === 'security' ? { event: 'audit', data: e.record } : undefined;
    case 'reveal_request':
      return agent.role !== 'agent' || e.agentId === agent.id
        ? { event: 'reveal_request', data: { requestId: e.requestId, status: e.status, agentId: e.agentId } } : undefined;
    case 'agent_status':
      return agent.role === 'security' || e.agentId === agent.id
        ? { event: 'agent_status', data: { agentId: e.agentId, status: e.status } } : undefined;
    case 'detect_alert':
      return agent.role === 'security' ? { event: 'detect_alert', data: e } : undefined;
    case 'access_withdrawn':
      return e.agentId === agent.id ? { event: 'access_withdrawn', data: { customerId: e.customerId, ticketId: e.ticketId, reason: e.reason } } : undefined;
    case 'log_health':
      return agent.role === 'security' ? { event: 'log_health', data: { serving: e.serving, status: e.status, reason: e.reason, since: e.since } } : undefined;
  }
}

/** Serializes one SSE message (`data` is JSON, so it holds no raw newline). */
export function formatSse(m: SseMessage, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`;
}

/** A live stream of one agent's connection. */
interface Stream {
  readonly agentId: string;
  end(reason: EndReason): void;
}

/** The credential of `req`, to re-check at each heartbeat (a session can end elsewhere). */
function credentialCheck(rt: Runtime, req: FastifyRequest): () => Promise<Agent | undefined> {
  const bearer = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(req.headers.authorization ?? '')?.[1];
  const cookie = readSessionCookie(req, 'agent');
  return () => (bearer ? agentForToken(rt.db, rt.clock, bearer) : cookie ? agentForSession(rt.db, rt.clock, cookie) : Promise.resolve(undefined));
}

/** Opens the stream on `reply` for `agent`; returns the handle the registry keeps. */
function open(rt: Runtime, req: FastifyRequest, reply: FastifyReply, agent: Agent, heartbeatMs: number, onDone: (s: Stream) => void): Stream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no',
  });
  let seq = 0;
  let closed = false;
  const write = (m: SseMessage) => {
    if (!closed) res.write(formatSse(m, seq++));
  };
  const stillValid = credentialCheck(rt, req);
  const stream: Stream = {
    agentId: agent.id,
    end(reason) {
      if (closed) return;
      if (reason === 'server_closing') res.write(`retry: ${SERVER_CLOSING_RETRY_MS}\n\n`); // reconnect soon, to another instance
      write({ event: 'end', data: { reason } });
      cleanup();
      res.end();
    },
  };
  const unsubscribe = rt.events.subscribe((e) => {
    if (e.type === 'agent_status' && e.agentId === agent.id && e.status === 'suspended') return stream.end('suspended');
    const m = visibleTo(agent, e);
    if (m) write(m);
  });
  const heartbeat = setInterval(() => {
    res.write(': heartbeat\n\n');
    stillValid().then((a) => (a ? undefined : stream.end('session_ended')), () => undefined);
  }, heartbeatMs);
  heartbeat.unref();
  function cleanup() {
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    onDone(stream);
  }
  res.on('close', () => {
    if (!closed) cleanup();
  });
  res.write(`retry: 3000\n\n`);
  write({ event: 'agent_status', data: { agentId: agent.id, status: agent.status } });
  return stream;
}

/** Registers GET /v1/events (inside the authenticated scope). */
export function eventRoutes(rt: Runtime, opts: EventStreamOptions = {}): FastifyPluginAsyncZod {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  return async (app) => {
    const streams = new Set<Stream>();
    app.addHook('preClose', async () => {
      for (const s of [...streams]) s.end('server_closing');
    });
    app.get('/v1/events', {
      schema: {
        tags: ['session'], summary: 'Live events for the console (text/event-stream)',
        description: 'Events: `agent_status` (own status; every agent for security), `reveal_request` (own requests for agents; the whole queue for supervisors and security), `audit` (every access decision; security only), `access_withdrawn` (own: the customer locked their data or ended a grant — drop what is shown), `end` (the stream is over: `reason` suspended | session_ended | server_closing). A comment line every 15 s keeps it open.',
        response: { ...errorResponses },
      },
    }, async (req, reply) => {
      const { agent } = ctxOf(req);
      streams.add(open(rt, req, reply, agent, heartbeatMs, (s) => streams.delete(s)));
      return reply;
    });
  };
}
