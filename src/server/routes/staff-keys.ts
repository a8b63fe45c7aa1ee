// Staff security keys and step-up (issue 11 item 3): the profile's key list, registration and
// removal; step-up options and verification for one action on one target; and the hook that
// makes the decisions which open data to someone else or change who has access require a
// fresh step-up (KEYHOLE_STAFF_STEP_UP=required). src/identity/step-up.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { sessionInfo, SESSION_COOKIE } from '../../identity/sessions.js';
import {
  consumeStepUp, listKeys, registerKey, removeKey, staffRegistrationOptions, stepUpOptions, STEP_UP_ACTIONS, verifyStepUp,
  type StepUpAction, type StepUpDeps,
} from '../../identity/step-up.js';
import { ctxOf } from '../auth.js';
import { errorResponses } from '../schemas.js';

/** The header carrying a step-up token with the action it was made for. */
export const STEP_UP_HEADER = 'x-keyhole-step-up';

/** Routes that need a step-up: "METHOD url" → the action and its target. */
const GATED: Readonly<Record<string, { action: StepUpAction; target: (req: FastifyRequest) => string }>> = {
  'POST /v1/reveal-requests/:id/approve': { action: 'reveal_approve', target: (r) => (r.params as { id: string }).id },
  'POST /v1/break-glass/:id/approve': { action: 'break_glass_approve', target: (r) => (r.params as { id: string }).id },
  'POST /v1/break-glass/:id/deny': { action: 'break_glass_deny', target: (r) => (r.params as { id: string }).id },
  'POST /v1/agents/:id/suspend': { action: 'agent_suspend', target: (r) => (r.params as { id: string }).id },
  'POST /v1/agents/:id/reinstate': { action: 'agent_reinstate', target: (r) => (r.params as { id: string }).id },
  'POST /v1/incidents': { action: 'incident_open', target: () => 'new' },
  'POST /v1/incidents/:id/protections': { action: 'protection_apply', target: (r) => (r.params as { id: string }).id },
  'POST /v1/me/session/confirm': { action: 'session_confirm', target: () => 'session' },
};

/** Adds the step-up check to the authenticated `scope` (before its routes are registered). */
export function installStepUp(scope: FastifyInstance, deps: StepUpDeps, mode: 'required' | 'off'): void {
  if (mode === 'off') return;
  scope.addHook('preHandler', async (req) => {
    const gate = GATED[`${req.method} ${req.routeOptions.url}`];
    if (!gate) return;
    const { agent, client } = ctxOf(req);
    const header = req.headers[STEP_UP_HEADER];
    const token = typeof header === 'string' && /^su_[A-Za-z0-9_-]{20,100}$/.test(header) ? header : undefined;
    const cookie = req.cookies[SESSION_COOKIE];
    const session = cookie && req.headers.authorization === undefined ? await sessionInfo(deps.db, deps.clock, cookie) : undefined;
    await consumeStepUp(deps, agent, gate.action, gate.target(req), token, req.id, session, client);
  });
}

const KeySchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() });
const Target = z.strictObject({ action: z.enum(STEP_UP_ACTIONS), target: z.string().min(1).max(100) });
const WebAuthnResponse = z.looseObject({ id: z.string().min(1).max(1400), response: z.looseObject({ clientDataJSON: z.string().max(10_000) }) });

/** Registers /v1/me/keys and /v1/me/step-up (authenticated scope). */
export function staffKeyRoutes(deps: StepUpDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/me/keys', { schema: { tags: ['session'], summary: 'My security keys (name, created, last used)', response: { 200: z.object({ keys: z.array(KeySchema) }), ...errorResponses } } },
      async (req) => ({ keys: await listKeys(deps, ctxOf(req).agent.id) }));

    app.post('/v1/me/keys/options', { schema: { tags: ['session'], summary: 'WebAuthn options to register a security key', response: { 200: z.record(z.string(), z.unknown()), ...errorResponses } } },
      async (req) => (await staffRegistrationOptions(deps, ctxOf(req).agent)) as unknown as Record<string, unknown>);

    app.post('/v1/me/keys', {
      schema: { tags: ['session'], summary: 'Register a security key (user verification required)', body: z.strictObject({ name: z.string().trim().min(1).max(60), response: WebAuthnResponse }),
        response: { 201: KeySchema, ...errorResponses } },
    }, async (req, reply) => reply.status(201).send(await registerKey(deps, ctxOf(req).agent, req.body.name, req.body.response as unknown as RegistrationResponseJSON, req.id)));

    app.delete('/v1/me/keys/:id', {
      schema: { tags: ['session'], summary: 'Remove one of my security keys', params: z.object({ id: z.string().min(1).max(1400) }), response: { 204: z.null(), ...errorResponses } },
    }, async (req, reply) => {
      await removeKey(deps, ctxOf(req).agent, req.params.id, req.id);
      return reply.status(204).send(null);
    });

    app.post('/v1/me/step-up/options', {
      schema: { tags: ['session'], summary: 'WebAuthn options to confirm one action on one target with a security key', body: Target, response: { 200: z.record(z.string(), z.unknown()), ...errorResponses } },
    }, async (req) => (await stepUpOptions(deps, ctxOf(req).agent, req.body.action, req.body.target)) as unknown as Record<string, unknown>);

    // The step-up hook above does the work: a fresh step-up recorded from this client is what
    // lifts a session-binding hold (src/detect/detectors/session-binding.ts).
    app.post('/v1/me/session/confirm', {
      schema: { tags: ['session'], summary: 'Confirm with a security key (step-up action session_confirm, target "session") that this device and network are mine, after a session-binding step-up',
        response: { 204: z.null(), ...errorResponses } },
    }, async (_req, reply) => reply.status(204).send(null));

    app.post('/v1/me/step-up', {
      schema: { tags: ['session'], summary: 'Verify a step-up assertion; returns the single-use token to send as X-Keyhole-Step-Up with that action',
        body: Target.extend({ response: WebAuthnResponse }), response: { 200: z.object({ token: z.string(), expiresAt: z.string(), credentialId: z.string() }), ...errorResponses } },
    }, async (req) => {
      const r = await verifyStepUp(deps, ctxOf(req).agent, req.body.action, req.body.target, req.body.response as unknown as AuthenticationResponseJSON, req.id);
      return { token: r.token, expiresAt: r.expiresAt.toISOString(), credentialId: r.credentialId };
    });
  };
}
