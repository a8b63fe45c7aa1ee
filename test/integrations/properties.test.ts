// Security properties of the integration edges (fast-check): a Zendesk or generic webhook
// signature verifies only the exact timestamp and body it was made over with the right secret;
// a refused customer record's reason never contains the value that was refused.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseCustomerRecord, RecordError } from '../../src/integrations/customers/record.js';
import { signGeneric, verifyGeneric, verifyZendesk } from '../../src/integrations/helpdesk/signatures.js';
import { isKeyholeError } from '../../src/shared/errors.js';

const NOW = new Date(Date.UTC(2026, 0, 5, 9, 0, 0));
const TS = '2026-01-05T09:00:00Z';
const zendeskHeaders = (secret: string, ts: string, body: Buffer) => ({
  'x-zendesk-webhook-signature-timestamp': ts,
  'x-zendesk-webhook-signature': createHmac('sha256', secret).update(ts).update(body).digest('base64'),
});

describe('webhook signatures (property)', () => {
  it('Zendesk: verifies exactly its own body, timestamp and secret', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.string({ minLength: 1 }),
      (secret, body, other, otherSecret) => {
        const b = Buffer.from(body);
        const h = zendeskHeaders(secret, TS, b);
        assert.equal(verifyZendesk(secret, h, b, NOW, 300_000), Date.parse(TS));
        const changed = Buffer.concat([b, Buffer.from(other)]);
        assert.throws(() => verifyZendesk(secret, h, changed, NOW, 300_000), (e) => isKeyholeError(e, 'WEBHOOK_SIGNATURE_INVALID'));
        if (otherSecret !== secret) assert.throws(() => verifyZendesk(otherSecret, h, b, NOW, 300_000), (e) => isKeyholeError(e, 'WEBHOOK_SIGNATURE_INVALID'));
        assert.throws(() => verifyZendesk(secret, { ...h, 'x-zendesk-webhook-signature-timestamp': '2026-01-05T09:00:01Z' }, b, NOW, 300_000), (e) => isKeyholeError(e, 'WEBHOOK_SIGNATURE_INVALID'));
      }), { numRuns: 200 });
  });

  it('generic: a signature older or newer than the tolerance is stale, inside it verifies', () => {
    fc.assert(fc.property(fc.integer({ min: -3600, max: 3600 }), fc.string(), (offsetS, body) => {
      const t = Math.floor(NOW.getTime() / 1000) + offsetS;
      const h = { 'x-keyhole-signature': signGeneric('s3cret', body, t) };
      if (Math.abs(offsetS) * 1000 > 300_000) assert.throws(() => verifyGeneric('s3cret', h, Buffer.from(body), NOW, 300_000), (e) => isKeyholeError(e, 'WEBHOOK_STALE'));
      else assert.equal(verifyGeneric('s3cret', h, Buffer.from(body), NOW, 300_000), t * 1000);
    }), { numRuns: 300 });
  });
});

describe('customer records (property)', () => {
  it('the reason a record is refused never contains the refused value', () => {
    const secret = fc.string({ minLength: 6, maxLength: 40 }).filter((s) => /[A-Za-z]{6}/.test(s));
    fc.assert(fc.property(secret, fc.constantFrom('email', 'dateOfBirth', 'phone', 'totalBalance', 'jurisdiction', 'holdings'), (value, field) => {
      try {
        parseCustomerRecord({ externalId: 'x-1', jurisdiction: 'DE', [field]: value }, { mode: 'json' });
      } catch (e) {
        assert.ok(e instanceof RecordError);
        assert.ok(!e.message.includes(value), `reason leaks the value: ${e.message}`);
      }
      try {
        parseCustomerRecord({ externalId: 'x-1', [value]: 'v' }, { mode: 'json' });
      } catch (e) {
        assert.ok(e instanceof RecordError);
      }
    }), { numRuns: 300 });
  });
});
