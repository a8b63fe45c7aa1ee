// Agent pseudonyms for customers: stable per agent, unlinkable to the agent's id or name
// without the server's key (an HMAC under the vault's blind-index key, domain-separated). A
// blind-index key rotation changes every pseudonym once (docs/design/vault.md).
import type { Vault } from '../vault/vault.js';
import type { VaultDb } from '../vault/tables.js';

const ADJECTIVES = ['Amber', 'Brisk', 'Cedar', 'Dawn', 'Ember', 'Fern', 'Granite', 'Harbor', 'Indigo', 'Juniper', 'Kestrel', 'Linen', 'Maple', 'Nimbus', 'Onyx', 'Pine', 'Quartz', 'Rowan', 'Sable', 'Tidal', 'Umber', 'Violet', 'Willow', 'Zephyr'];
const NOUNS = ['Falcon', 'Otter', 'Heron', 'Lynx', 'Badger', 'Wren', 'Marten', 'Ibis', 'Puffin', 'Stoat', 'Finch', 'Raven', 'Orca', 'Hare', 'Crane', 'Gecko', 'Bison', 'Koala', 'Egret', 'Ferret', 'Tern', 'Viper', 'Yak', 'Quail'];

/** The pseudonym of `agentId`, e.g. `Amber Falcon 42`: 24 × 24 × 100 combinations, under the
 *  current blind-index key version of `db` (version 1 without `db`). */
export async function agentPseudonym(vault: Vault, agentId: string, db?: unknown): Promise<string> {
  const version = db === undefined ? 1 : await vault.currentBlindIndexVersion(db as VaultDb);
  const d = await vault.blindIndex('keyhole/agent-pseudonym/v1', agentId, version);
  return `${ADJECTIVES[(d[0] as number) % ADJECTIVES.length]} ${NOUNS[(d[1] as number) % NOUNS.length]} ${((d[2] as number) % 100).toString().padStart(2, '0')}`;
}
