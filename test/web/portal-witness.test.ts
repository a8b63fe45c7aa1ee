// The customer's browser as a witness (issue 10 item 2), in headless Chromium against a real
// Keyhole server whose log a real witness on 127.0.0.1 cosigns: the portal keeps the largest
// checkpoint it verified in localStorage (per log origin), and on a later visit checks that the
// log extends it. A tampered consistency proof, a served witness policy the checkpoint does not
// meet, and — the truncation of issue 10 — a DBA deleting the newest entries, checkpoints,
// cosignatures and tiles down to an older checkpoint, are each shown to the returning customer
// as a failure. (The witness's own refusal of the truncated log: test/audit/witness.test.ts;
// `keyhole verify`'s: test/audit/witnessed-verify.test.ts.)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openLogIdentity } from '../../src/audit/log-identity.js';
import type { AuditTables } from '../../src/audit/tables.js';
import { cosignatureVerifierKeyFor, cosignerFromSeed } from '../../src/shared/tlog/cosignature.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { saveTiles, startWitness, truncateTo, type RunningWitness } from '../audit/support/witness-fixture.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, TEST_DEMO, type Harness } from '../support/harness.js';
import { launchBrowser, shot } from './support/browser.js';

const ORIGIN = 'keyhole.example/log';
const MEMORY = `keyhole.verified-checkpoint.v1:${ORIGIN}`;

/** Flips one bit of the first byte of a standard-base64 hash. */
function flip(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[0] = (bytes[0] as number) ^ 0x01;
  return bytes.toString('base64');
}

describe('a returning portal session detects a truncated log', { timeout: 180_000 }, () => {
  const masterKey = randomBytes(32);
  let w: RunningWitness;
  let h: Harness;
  let browser: Browser;
  let ctx: BrowserContext;
  let base: string;
  let db: Kysely<AuditTables>;

  before(async () => {
    const id = await openLogIdentity(new MasterKeyProvider(masterKey), ORIGIN);
    w = await startWitness(new Map([[ORIGIN, [id.verifier]]]));
    h = await startHarness(DATABASES.find((d) => d.name === 'pglite')!, TEST_DEMO, {
      env: { KEYHOLE_MASTER_KEY: masterKey.toString('base64'), KEYHOLE_LOG_ORIGIN: ORIGIN, KEYHOLE_WITNESSES: `${w.url} ${w.vkey}`, KEYHOLE_WITNESS_QUORUM: '1' },
    });
    db = h.rt.db as unknown as Kysely<AuditTables>;
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://localhost:${(h.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await ctx?.close().catch(() => undefined);
    await browser?.close();
    await h?.close();
    await w?.close();
    rmSync(w.dir, { recursive: true, force: true });
  });

  /** The agent of `ticketId` opens the customer `times` times; the log integrates and the witness cosigns. */
  async function views(ticketId: string, agentId: string, times: number): Promise<number> {
    const cookie = await h.login(agentId);
    for (let i = 0; i < times; i++) {
      const r = await h.app.inject({ method: 'GET', url: `/v1/tickets/${ticketId}/customer`, headers: { cookie } });
      assert.equal(r.statusCode, 200, r.body);
    }
    await h.rt.integrator.drain();
    await h.rt.witnessing!.idle();
    const served = await h.app.inject({ method: 'GET', url: '/v1/log/checkpoint' });
    return Number(served.body.split('\n')[1]);
  }

  /** A new tab of the same browser (same storage, same session) on the receipts page. */
  async function visit(): Promise<Page> {
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${base}/portal`);
    await page.getByRole('link', { name: 'Who looked at my data' }).click();
    await page.locator('[data-testid="receipts-summary"], [data-testid="verification-warning"]').first().waitFor();
    return page;
  }

  const remembered = async (page: Page) => {
    const note = await page.evaluate((k) => localStorage.getItem(k), MEMORY);
    return note === null ? null : Number(note.split('\n')[1]);
  };

  it('remembers what it verified, and fails a log shorter than or inconsistent with it', async () => {
    const listed = (await h.app.inject({ method: 'GET', url: '/v1/customer/demo/customers' })).json().customers as { id: string }[];
    const ticket = await h.rt.db.selectFrom('tickets').selectAll().where('status', '=', 'open').where('assignee_id', 'is not', null)
      .where('customer_id', 'in', listed.map((c) => c.id)).orderBy('id').executeTakeFirstOrThrow();
    const agentId = ticket.assignee_id as string;

    // First visit: sign in, receipts verified against the witnessed checkpoint, which is remembered.
    const older = await views(ticket.id, agentId, 3);
    const tilesOlder = await saveTiles(db);
    const first = await ctx.newPage();
    first.setDefaultTimeout(20_000);
    await first.goto(`${base}/portal`);
    await first.locator(`[data-customer-id="${ticket.customer_id}"]`).click();
    await first.locator('[data-testid="privacy-lock"]').waitFor();
    await first.getByRole('link', { name: 'Who looked at my data' }).click();
    await first.locator('[data-testid="receipts-summary"][data-pending="0"][data-failed="0"]').waitFor();
    assert.match(await first.locator('[data-testid="log-witnesses"]').innerText(), /Cosigned by independent witnesses: witness\.test\/w1/);
    assert.equal(await remembered(first), older);
    await first.close();

    // More accesses; a visit whose consistency proof is tampered with fails and remembers nothing new.
    const newer = await views(ticket.id, agentId, 4);
    assert.ok(newer > older);
    await ctx.route('**/v1/log/proofs/consistency*', async (route) => {
      const res = await route.fetch();
      const j = (await res.json()) as { proof: string[] };
      j.proof[0] = flip(j.proof[0]!);
      await route.fulfill({ response: res, json: j });
    });
    const tampered = await visit();
    await tampered.locator('[data-testid="verification-warning"][data-log-problem="true"]').waitFor();
    assert.match(await tampered.locator('[data-testid="verification-warning"]').innerText(), new RegExp(`does not extend the ${older} records this browser verified on an earlier visit`));
    assert.equal(await remembered(tampered), older);
    await tampered.close();
    await ctx.unroute('**/v1/log/proofs/consistency*');

    // The server publishes a policy of two witnesses, quorum 2: the checkpoint is below it.
    const other = cosignatureVerifierKeyFor('witness.test/w2', cosignerFromSeed('witness.test/w2', randomBytes(32)).publicKey);
    await ctx.route('**/v1/log/witnesses', (route) => route.fulfill({ json: { quorum: 2, witnesses: [{ name: 'witness.test/w1', vkey: w.vkey, url: w.url }, { name: 'witness.test/w2', vkey: other, url: 'http://127.0.0.1:9' }] } }));
    const below = await visit();
    await below.locator('[data-testid="verification-warning"][data-log-problem="true"]').waitFor();
    assert.match(await below.locator('[data-testid="verification-warning"]').innerText(), /cosigned by 1 of the 2 witnesses required/);
    await below.close();
    await ctx.unroute('**/v1/log/witnesses');

    // An honest visit: the log extends what was seen; the newer checkpoint is remembered.
    const honest = await visit();
    await honest.locator('[data-testid="receipts-summary"][data-pending="0"][data-failed="0"]').waitFor();
    assert.equal(await honest.locator('[data-testid="verification-warning"]').count(), 0);
    assert.equal(await remembered(honest), newer);
    await honest.close();

    // The DBA truncates the log back to the older checkpoint (entries, checkpoints, cosignatures, tiles).
    await truncateTo(db, older, tilesOlder);
    const served = await h.app.inject({ method: 'GET', url: '/v1/log/checkpoint' });
    assert.equal(Number(served.body.split('\n')[1]), older, 'the server now serves the older, still cosigned checkpoint');
    const returning = await visit();
    await returning.locator('[data-testid="verification-warning"][data-log-problem="true"]').waitFor();
    const text = await returning.locator('[data-testid="verification-warning"]').innerText();
    assert.match(text, new RegExp(`the log now has ${older} records, fewer than the ${newer} this browser verified on an earlier visit: records were removed`));
    assert.equal(await returning.locator('[data-testid="receipt"][data-state="verified"]').count(), 0);
    assert.equal(await remembered(returning), newer, 'the evidence is kept');
    await shot(returning, 'portal-truncated-log');
  });
});
