// `keyhole tokens create|list|revoke`: bearer tokens for agents (acting as the agent), for
// services such as the exchange's backend (`--service NAME --scope customers:write`) and for
// the identity provider's SCIM client (`--scim NAME`). Secrets are printed once.
import type { Command } from 'commander';
import { loadAgent } from '../access/agents.js';
import { newId } from '../access/ids.js';
import { issueToken, listTokens, revokeToken, TOKEN_SCOPES, type TokenScope, type TokenSpec } from '../identity/tokens.js';
import { KeyholeError } from '../shared/errors.js';
import type { Runtime } from '../server/runtime.js';
import { withStoreOptions } from './options.js';

type WithRuntime = <T>(opts: { dataDir?: string }, fn: (rt: Runtime) => Promise<T>) => Promise<T>;

/** Parses a lifetime such as `90d`, `12h`, `30m` or `never` into ms (null = no expiry).
 *  @throws Error on anything else. */
export function parseTtl(v: string): number | null {
  if (v === 'never') return null;
  const m = /^([1-9][0-9]{0,5})([mhd])$/.exec(v);
  if (!m) throw new Error(`not a lifetime (e.g. 30d, 12h, 45m, never): ${v}`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Registers `keyhole tokens …` on `program`. */
export function registerTokens(program: Command, withRuntime: WithRuntime): void {
  const tokens = program.command('tokens').description('bearer tokens: for agents, for services (customer sync), for SCIM provisioning');
  withStoreOptions(tokens.command('create').description('create a bearer token (printed once)'))
    .option('--agent <id>', 'an agent token acting as this agent')
    .option('--service <name>', 'a service token for this service (needs --scope)')
    .option('--scim <name>', 'a SCIM provisioning token for this identity provider')
    .option('--scope <scope>', `a scope of a service token (repeatable): ${TOKEN_SCOPES.join(', ')}`, collect, [])
    .option('--ttl <lifetime>', 'lifetime, e.g. 30d, 12h, never (default: 30d for agents, 365d for services)')
    .option('--label <label>', 'what the token is for', 'cli')
    .action(async (o: { agent?: string; service?: string; scim?: string; scope: string[]; ttl?: string; label: string; dataDir?: string }) => {
      const kinds = [o.agent, o.service, o.scim].filter((x) => x !== undefined);
      if (kinds.length !== 1) throw new KeyholeError('BAD_REQUEST', 'Give exactly one of --agent, --service or --scim.');
      const ttlMs = o.ttl === undefined ? undefined : parseTtl(o.ttl);
      const issued = await withRuntime(o, async (rt) => {
        let spec: TokenSpec;
        if (o.agent !== undefined) {
          const agent = await loadAgent(rt.db, o.agent);
          if (!agent) throw new KeyholeError('NOT_FOUND', `No agent ${o.agent}.`);
          spec = { kind: 'agent', agentId: agent.id, label: o.label, ttlMs, createdBy: 'cli' };
        } else if (o.service !== undefined) {
          spec = { kind: 'service', serviceName: o.service, scopes: o.scope as TokenScope[], label: o.label, ttlMs, createdBy: 'cli' };
        } else {
          spec = { kind: 'scim', serviceName: o.scim as string, scopes: ['scim'], label: o.label, ttlMs, createdBy: 'cli' };
        }
        return issueToken(rt.db, rt.clock, spec, { agentId: null, requestId: newId('req'), via: 'cli' });
      });
      console.error(`token ${issued.id}${issued.expiresAt ? `, expires ${issued.expiresAt.toISOString()}` : ', no expiry'}`);
      console.log(issued.token);
    });
  withStoreOptions(tokens.command('list').description('live tokens (never their secrets)'))
    .option('--agent <id>', 'only this agent\'s tokens')
    .option('--all', 'include revoked tokens')
    .option('--json', 'JSON lines')
    .action(async (o: { agent?: string; all?: boolean; json?: boolean; dataDir?: string }) => {
      const rows = await withRuntime(o, (rt) => listTokens(rt.db, { agentId: o.agent, includeRevoked: o.all === true }));
      for (const t of rows) {
        if (o.json) console.log(JSON.stringify(t));
        else console.log([t.id, t.kind, t.agentId ?? t.serviceName, t.scopes.join(',') || '-', t.label, t.expiresAt?.toISOString() ?? 'never', t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'live'].join('\t'));
      }
    });
  withStoreOptions(tokens.command('revoke').argument('<id>', 'token id (tok_…)').description('revoke a token at once'))
    .option('--by <who>', 'who revokes it', 'cli')
    .option('--reason <text>', 'why', 'revoked from the command line')
    .action(async (id: string, o: { by: string; reason: string; dataDir?: string }) => {
      const ok = await withRuntime(o, (rt) => revokeToken(rt.db, rt.clock, id, o.by, o.reason, { agentId: null, requestId: newId('req'), via: 'cli' }));
      if (!ok) throw new KeyholeError('TOKEN_NOT_FOUND', `No live token ${id}.`);
      console.log(`token ${id} revoked`);
    });
}
