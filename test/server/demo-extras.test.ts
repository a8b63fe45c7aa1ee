// Demo mode tells the whole story (issue 14 item 10): the portal's demo picker searches every
// customer on the server, and the local mail catcher receives what the notification outbox's
// SMTP transport sends and lists it to the security team only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/server/app.js';
import { startMailCatcher, type MailCatcher } from '../../src/incident/mail-catcher.js';
import { messageIdFor } from '../../src/incident/notifier.js';
import { SmtpNotifier } from '../../src/incident/smtp-notifier.js';
import { demoMailRoutes } from '../../src/server/routes/demo-mail.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

for (const backend of DATABASES) {
  describe(`demo extras (${backend.name})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(async () => h.close());

    test('the demo picker finds any customer by id or account, with or without an open ticket', async () => {
      const open = new Set((await h.rt.db.selectFrom('tickets').select('customer_id').where('status', '=', 'open').execute()).map((t) => t.customer_id));
      const quiet = h.customers.find((c) => !open.has(c.id) && !c.isDecoy);
      assert.ok(quiet, 'the demo has a customer without an open ticket');
      const list = async (q?: string) => {
        const r = await h.app.inject({ method: 'GET', url: `/v1/customer/demo/customers${q === undefined ? '' : `?q=${encodeURIComponent(q)}`}` });
        assert.equal(r.statusCode, 200, r.body);
        return (r.json().customers as { id: string; accountId: string }[]);
      };
      assert.ok(!(await list()).some((c) => c.id === quiet.id), 'the default list holds customers with open tickets');
      assert.deepEqual((await list(quiet.id.toUpperCase())).map((c) => c.id), [quiet.id]);
      assert.ok((await list(quiet.accountId.toLowerCase())).some((c) => c.id === quiet.id));
      assert.deepEqual(await list('%'), [], 'LIKE wildcards are matched as text');
      assert.deepEqual(await list('cus_00000_'), [], 'an underscore is a character, not any character');
      const r = await h.app.inject({ method: 'GET', url: `/v1/customer/demo/customers?q=${'x'.repeat(65)}` });
      assert.equal(r.statusCode, 400);
    });

    test('the mail catcher receives what the SMTP notifier sends; the security team reads it, agents may not', async () => {
      const catcher: MailCatcher = await startMailCatcher();
      const notifier = new SmtpNotifier({ url: catcher.url, from: 'Security <security@keyhole.demo>', timeoutMs: 5000 });
      const app = await buildApp(h.rt, { demo: true, logger: false, console: false, extraAuthenticated: [demoMailRoutes(catcher)] });
      try {
        await notifier.send({
          idempotencyKey: 'inc_1:cus_1:email', messageId: messageIdFor('inc_1:cus_1:email', 'keyhole.demo'), to: 'customer@example.org',
          subject: 'About your account', text: 'We will never call you.', payload: {}, redelivery: false,
        });
        const login = async (agentId: string) => {
          const r = await app.inject({ method: 'POST', url: '/v1/demo/login', payload: { agentId } });
          return `kh_session=${r.cookies.find((c) => c.name === 'kh_session')!.value}`;
        };
        const sec = h.staff.find((a) => a.role === 'security')!;
        const agent = h.staff.find((a) => a.role === 'agent')!;
        const r = await app.inject({ method: 'GET', url: '/v1/demo/mail', headers: { cookie: await login(sec.id) } });
        assert.equal(r.statusCode, 200, r.body);
        const body = r.json() as { smtpUrl: string; messages: { to: string; subject: string; from: string; body: string }[] };
        assert.equal(body.smtpUrl, catcher.url);
        assert.equal(body.messages.length, 1);
        assert.equal(body.messages[0]!.to, 'customer@example.org');
        assert.equal(body.messages[0]!.subject, 'About your account');
        assert.match(body.messages[0]!.body, /We will never call you\./);
        const denied = await app.inject({ method: 'GET', url: '/v1/demo/mail', headers: { cookie: await login(agent.id) } });
        assert.equal(denied.statusCode, 403);
        assert.equal(denied.json().error.code, 'FORBIDDEN');
      } finally {
        await notifier.close?.();
        await app.close();
        await catcher.close();
      }
    });
  });
}
