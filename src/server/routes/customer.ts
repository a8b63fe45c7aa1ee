// The customer portal API: passkey sign-in (and the demo picker), access receipts, consent with
// a passkey, grants the customer can revoke, the privacy lock, support contacts with their
// contact codes, the security checkup, notices, and a live stream of consent requests.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AccessTables } from '../../access/tables.js';
import type { CustomerAuthTables } from '../customer/tables.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { customerDecide, customerRevokeGrant, liveGrantsOnCustomer, pendingConsents } from '../../access/consent.js';
import { customerNotices, securityCheckup, supportContacts, withdrawnContacts } from '../../access/customer-portal.js';
import { setPrivacyLock } from '../../access/customer-state.js';
import { customerReceipts } from '../../access/receipts.js';
import { customerProtections } from '../../incident/customer-protections.js';
import type { IncidentDb } from '../../incident/model.js';
import { CustomerProtectionsSchema } from '../../incident/schemas.js';
import type { CustomerRequestContext } from '../../access/recorder.js';
import { KeyholeError } from '../../shared/errors.js';
import { limitedSignIn } from '../sign-in-limit.js';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from '../../identity/cookies.js';
import { createCustomerSession, CUSTOMER_SESSION_MS, customerForSession, endCustomerSession, type CustomerPrincipal } from '../customer/sessions.js';
import { assertionOptions, registrationOptions, verifyAssertion, verifyRegistration, type RelyingParty } from '../customer/webauthn.js';
import type { Runtime } from '../runtime.js';
import { errorResponses, IdSchema } from '../schemas.js';
import { declareSecurity } from '../openapi.js';
import { CheckupSchema, ConsentRequestSchema, CustomerGrantSchema, NoticeSchema, ReceiptSchema } from './customer-schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    customer: CustomerPrincipal | undefined;
  }
}

const WebAuthnResponse = z.looseObject({ id: z.string().max(1024), rawId: z.string().max(1024), type: z.literal('public-key'), response: z.looseObject({ clientDataJSON: z.string().max(8192) }) });
const Me = z.object({ id: z.string(), accountId: z.string(), jurisdiction: z.string(), passkeys: z.number(), locked: z.boolean(), serverTime: z.string().describe('the server clock (consent countdowns)') });

const SupportContactsSchema = z.object({
  contacts: z.array(z.object({ ticketId: z.string(), channel: z.string(), subject: z.string(), openedAt: z.string(), agentPseudonym: z.string().nullable(), contactCode: z.string().nullable() })),
  withdrawn: z.array(z.object({ ticketId: z.string(), agentPseudonym: z.string(), contactCode: z.string().nullable(), withdrawnAt: z.string() }))
    .describe('Contacts that are no longer from support (the agent was suspended), last 90 days'),
  supportNeverAsks: z.array(z.string()),
});

function signIn(req: FastifyRequest, reply: FastifyReply, secret: string) {
  setSessionCookie(req, reply, 'customer', secret, CUSTOMER_SESSION_MS / 1000);
}

function customerCtx(req: FastifyRequest): CustomerRequestContext {
  if (!req.customer) throw new KeyholeError('UNAUTHENTICATED');
  return { agent: null, customerId: req.customer.id, requestId: req.id };
}

/** The database with the customer-authentication tables (owned by src/server/customer). */
const authDb = (rt: Runtime) => rt.store.db as Kysely<CustomerAuthTables & AccessTables>;

/** Public customer routes: passkey sign-in, and the demo picker when `demo`. */
export function customerPublicRoutes(rt: Runtime, rp: RelyingParty, demo: boolean): FastifyPluginAsyncZod {
  return async (app) => {
    declareSecurity(app, []); // public: sign-in itself
    const db = authDb(rt);
    app.post('/v1/customer/passkeys/login/options', { schema: { tags: ['customer'], summary: 'Start a passkey sign-in (discoverable credential)' } },
      async () => assertionOptions(db, rt.clock, rp));
    app.post('/v1/customer/passkeys/login/verify', {
      schema: { tags: ['customer'], summary: 'Finish a passkey sign-in (user verification required)', body: WebAuthnResponse, response: { 200: z.object({ customerId: z.string() }), ...errorResponses } },
    }, async (req, reply) => {
      const customerId = await limitedSignIn(req, reply, () => verifyAssertion(db, rt.clock, rp, req.body as never)) as string;
      signIn(req, reply, await createCustomerSession(db, rt.clock, customerId));
      return { customerId };
    });
    if (!demo) return;
    app.get('/v1/customer/demo/customers', { schema: { tags: ['demo'], summary: 'Demo customers to sign in as (KEYHOLE_DEMO=1 only): with open tickets, or any customer matching `q`',
      querystring: z.strictObject({ q: z.string().trim().max(64).optional().describe('text in a customer id or account id (case-insensitive); searches every customer') }),
      response: { 200: z.object({ customers: z.array(z.object({ id: z.string(), accountId: z.string(), jurisdiction: z.string() })) }) } } },
      async (req) => {
        let query = rt.db.selectFrom('customers as c').select(['c.id', 'c.account_id as accountId', 'c.jurisdiction']).where('c.erased_at', 'is', null).where('c.is_decoy', '=', false);
        const q = req.query.q?.toLowerCase();
        if (q) {
          const pattern = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`; // attacker-controlled: LIKE wildcards escaped, bound as a parameter
          query = query.where((eb) => eb.or([eb(eb.fn('lower', ['c.id']), 'like', pattern), eb(eb.fn('lower', ['c.account_id']), 'like', pattern)]));
        } else {
          query = query.where((eb) => eb.exists(eb.selectFrom('tickets as t').select('t.id').whereRef('t.customer_id', '=', 'c.id').where('t.status', '=', 'open')));
        }
        return { customers: await query.orderBy('c.id').limit(25).execute() };
      });
    app.post('/v1/customer/demo/login', { schema: { tags: ['demo'], summary: 'Sign in as a demo customer (KEYHOLE_DEMO=1 only)', body: z.strictObject({ customerId: IdSchema }), response: { 200: z.object({ customerId: z.string() }), ...errorResponses } } },
      async (req, reply) => {
        const c = await rt.db.selectFrom('customers').select('id').where('id', '=', req.body.customerId).where('erased_at', 'is', null).where('is_decoy', '=', false).executeTakeFirst();
        if (!c) throw new KeyholeError('NOT_FOUND', 'No such customer.');
        signIn(req, reply, await createCustomerSession(db, rt.clock, c.id));
        return { customerId: c.id };
      });
  };
}

/** The signed-in customer's routes (their own scope with the customer auth hook). */
export function customerRoutes(rt: Runtime, rp: RelyingParty): (app: FastifyInstance) => Promise<void> {
  return async (scope) => {
    const db = authDb(rt);
    scope.decorateRequest('customer', undefined);
    scope.addHook('onRequest', async (req, reply) => {
      const secret = readSessionCookie(req, 'customer');
      const customer = secret ? await limitedSignIn(req, reply, () => customerForSession(db, rt.clock, secret)) : undefined;
      if (!customer) throw new KeyholeError('UNAUTHENTICATED');
      req.customer = customer;
    });
    declareSecurity(scope, [{ customerSession: [] }]);
    await scope.register(portalRoutes(rt, rp));
  };
}

function portalRoutes(rt: Runtime, rp: RelyingParty): FastifyPluginAsyncZod {
  return async (app) => {
    const db = authDb(rt);
    const me = (req: FastifyRequest) => customerCtx(req).customerId;
    app.get('/v1/customer/me', { schema: { tags: ['customer'], response: { 200: Me, ...errorResponses } } }, async (req) => {
      const c = req.customer as CustomerPrincipal;
      const passkeys = await db.selectFrom('customer_credentials').select((eb) => eb.fn.countAll<number>().as('n')).where('customer_id', '=', c.id).executeTakeFirstOrThrow();
      const row = await rt.db.selectFrom('customers').select('locked_at').where('id', '=', c.id).executeTakeFirstOrThrow();
      return { ...c, passkeys: Number(passkeys.n), locked: row.locked_at !== null, serverTime: rt.clock.now().toISOString() };
    });
    app.post('/v1/customer/logout', { schema: { tags: ['customer'], response: { 204: z.null(), ...errorResponses } } }, async (req, reply) => {
      const secret = readSessionCookie(req, 'customer');
      if (secret) await endCustomerSession(db, rt.clock, secret);
      clearSessionCookie(req, reply, 'customer');
      return reply.status(204).send(null);
    });
    app.post('/v1/customer/passkeys/register/options', { schema: { tags: ['customer'], summary: 'Start registering a passkey' } },
      async (req) => registrationOptions(db, rt.clock, rp, req.customer as CustomerPrincipal));
    app.post('/v1/customer/passkeys/register/verify', { schema: { tags: ['customer'], summary: 'Finish registering a passkey', body: WebAuthnResponse, response: { 201: z.object({ credentialId: z.string() }), ...errorResponses } } },
      async (req, reply) => reply.status(201).send({ credentialId: await verifyRegistration(db, rt.clock, rp, me(req), req.body as never) }));

    app.get('/v1/customer/receipts', { schema: { tags: ['customer'], summary: 'Who looked at my data: access receipts with their log leaves', querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: z.object({ receipts: z.array(ReceiptSchema) }), ...errorResponses } } },
      async (req) => ({ receipts: await customerReceipts(rt.db, rt.vault, me(req), req.query.limit) }));
    app.get('/v1/customer/consents', { schema: { tags: ['customer'], summary: 'Reveals waiting for my consent', response: { 200: z.object({ requests: z.array(ConsentRequestSchema) }), ...errorResponses } } },
      async (req) => ({ requests: await pendingConsents(rt.db, me(req), rt.clock.now()) }));
    app.post('/v1/customer/consents/:id/options', { schema: { tags: ['customer'], summary: 'Passkey challenge for approving one reveal', params: z.object({ id: IdSchema }) } },
      async (req) => assertionOptions(db, rt.clock, rp, { customerId: me(req), requestId: req.params.id }));
    app.post('/v1/customer/consents/:id/approve', {
      schema: { tags: ['customer'], summary: 'Approve a reveal with a passkey (user verification required)', params: z.object({ id: IdSchema }),
        body: z.strictObject({ assertion: WebAuthnResponse, durationMinutes: z.number().int().min(1).max(60).default(15) }) },
    }, async (req) => {
      await verifyAssertion(db, rt.clock, rp, req.body.assertion as never, { customerId: me(req), requestId: req.params.id });
      return customerDecide(rt.broker.deps, customerCtx(req), req.params.id, 'approve', req.body.durationMinutes);
    });
    app.post('/v1/customer/consents/:id/deny', { schema: { tags: ['customer'], summary: 'Deny a reveal', params: z.object({ id: IdSchema }) } },
      async (req) => customerDecide(rt.broker.deps, customerCtx(req), req.params.id, 'deny'));
    app.get('/v1/customer/grants', { schema: { tags: ['customer'], summary: 'Live grants on my data', response: { 200: z.object({ grants: z.array(CustomerGrantSchema) }), ...errorResponses } } },
      async (req) => ({ grants: await liveGrantsOnCustomer(rt.db, me(req), rt.clock.now()) }));
    app.post('/v1/customer/grants/:id/revoke', { schema: { tags: ['customer'], summary: 'End a grant on my data at once', params: z.object({ id: IdSchema }), response: { 204: z.null(), ...errorResponses } } },
      async (req, reply) => {
        await customerRevokeGrant(rt.broker.deps, customerCtx(req), req.params.id);
        return reply.status(204).send(null);
      });
    app.post('/v1/customer/lock/options', { schema: { tags: ['customer'], summary: 'Passkey challenge for lifting my privacy lock' } },
      async (req) => assertionOptions(db, rt.clock, rp, { customerId: me(req), requestId: me(req), purpose: 'unlock' }));
    app.put('/v1/customer/lock', {
      schema: { tags: ['customer'], summary: 'Set or lift my privacy lock',
        description: 'Lifting the lock needs a passkey assertion (from POST /v1/customer/lock/options) when the customer has a passkey: PASSKEY_REQUIRED otherwise.',
        body: z.strictObject({ locked: z.boolean(), assertion: WebAuthnResponse.optional() }), response: { 200: z.object({ lockedAt: z.string().nullable() }), ...errorResponses } },
    }, async (req) => {
      if (!req.body.locked) {
        const passkeys = await db.selectFrom('customer_credentials').select('id').where('customer_id', '=', me(req)).limit(1).execute();
        if (passkeys.length > 0) {
          if (!req.body.assertion) throw new KeyholeError('PASSKEY_REQUIRED', 'Confirm with your passkey to lift the privacy lock.');
          await verifyAssertion(db, rt.clock, rp, req.body.assertion as never, { customerId: me(req), requestId: me(req), purpose: 'unlock' });
        }
      }
      return { lockedAt: (await setPrivacyLock(rt.broker.deps, customerCtx(req), req.body.locked))?.toISOString() ?? null };
    });
    app.get('/v1/customer/support-contacts', { schema: { tags: ['customer'], summary: 'Open support contacts with their contact codes, and contacts withdrawn (no longer from support)',
      response: { 200: SupportContactsSchema, ...errorResponses } } },
      async (req) => ({
        contacts: await supportContacts(rt.db, rt.vault, me(req)),
        withdrawn: await withdrawnContacts(rt.db, rt.vault, me(req), rt.clock.now()),
        supportNeverAsks: ['your password', 'your 2FA or SMS codes', 'your seed phrase or private keys', 'to move funds to another address or "safe wallet"', 'to install remote-access software'],
      }));
    app.get('/v1/customer/checkup', { schema: { tags: ['customer'], summary: 'Security checkup of my account protections', response: { 200: CheckupSchema, ...errorResponses } } },
      async (req) => securityCheckup(rt.db, rt.vault, me(req)));
    app.get('/v1/customer/notices', { schema: { tags: ['customer'], summary: 'Notices (e.g. a break-glass access)', response: { 200: z.object({ notices: z.array(NoticeSchema) }), ...errorResponses } } },
      async (req) => ({ notices: await customerNotices(rt.db, me(req)) }));
    app.get('/v1/customer/protections', { schema: { tags: ['customer', 'incident'], summary: 'Protections on my account after an incident: the never-call banner, measures in force, advice', response: { 200: CustomerProtectionsSchema, ...errorResponses } } },
      async (req) => customerProtections(rt.store.db as IncidentDb, me(req)));
    app.get('/v1/customer/events', { schema: { tags: ['customer'], summary: 'Server-Sent Events: my consent requests and grants changed' } }, (req, reply) => {
      const customerId = me(req);
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      reply.raw.write(': connected\n\n');
      const unsubscribe = rt.events.subscribe((e) => {
        if (e.type === 'reveal_request' && e.customerId === customerId) reply.raw.write(`event: consent\ndata: ${JSON.stringify({ requestId: e.requestId, status: e.status })}\n\n`);
      });
      const beat = setInterval(() => reply.raw.write(': ping\n\n'), 15_000);
      req.raw.on('close', () => {
        clearInterval(beat);
        unsubscribe();
      });
    });
  };
}
