// Agent pseudonyms for customers: stable per agent, unlinkable to the agent's id or name
// without the server's key (an HMAC under the vault's blind-index key, domain-separated).
import type { Vault } from '../vault/vault.js';

const ADJECTIVES = ['Amber', 'Brisk', 'Cedar', 'Dawn', 'Ember', 'Fern', 'Granite', 'Harbor', 'Indigo', 'Juniper', 'Kestrel', 'Linen', 'Maple', 'Nimbus', 'Onyx', 'Pine', 'Quartz', 'Rowan', 'Sable', 'Tidal', 'Umber', 'Violet', 'Willow', 'Zephyr'];
const NOUNS = ['Falcon', 'Otter', 'Heron', 'Lynx', 'Badger', 'Wren', 'Marten', 'Ibis', 'Puffin', 'Stoat', 'Finch', 'Raven', 'Orca', 'Hare', 'Crane', 'Gecko', 'Bison', 'Koala', 'Egret', 'Ferret', 'Tern', 'Viper', 'Yak', 'Quail'];

/** The pseudonym of `agentId`, e.g. `Amber Falcon 42`: 24 × 24 × 100 combinations. */
export async function agentPseudonym(vault: Vault, agentId: string): Promise<string> {
  const d = await vault.blindIndex('keyhole/agent-pseudonym/v1', agentId);
  return `${ADJECTIVES[(d[0] as number) % ADJECTIVES.length]} ${NOUNS[(d[1] as number) % NOUNS.length]} ${((d[2] as number) % 100).toString().padStart(2, '0')}`;
}
