// Notification templates (validation, rendering) and webhook signatures (HMAC-SHA-256 with a
// timestamp), both pure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DEFAULT_TEMPLATES, renderTemplate, TEMPLATE_VARIABLES, validateTemplate, type TemplateVariable } from '../../src/incident/templates.js';
import { signWebhook, verifyWebhook } from '../../src/incident/webhook-signature.js';

const vars = Object.fromEntries(TEMPLATE_VARIABLES.map((v) => [v, `<${v}>`])) as Record<TemplateVariable, string>;

describe('notification templates', () => {
  it('the shipped default is valid and uses what happened, what was seen, what was done, what to do', () => {
    const d = DEFAULT_TEMPLATES.customer_notice;
    validateTemplate(d.subject, d.body);
    const text = renderTemplate(d.body, vars);
    for (const v of ['<seen>', '<done>', '<todo>', '<neverAsk>', '<accountId>']) assert.ok(text.includes(v), v);
  });

  it('refuses unknown placeholders, multi-line subjects and empty bodies', () => {
    for (const [s, b] of [['Hi {{name}}', 'x'], ['ok', '{{ password }}'], ['two\nlines', 'x'], ['ok', '  ']]) {
      assert.throws(() => validateTemplate(s!, b!), (e) => isKeyholeError(e, 'TEMPLATE_INVALID'));
    }
    validateTemplate('Notice for {{ accountId }}', 'See {{seen}}');
  });

  it('substitutes once: a value that looks like a placeholder is not expanded again', () => {
    assert.equal(renderTemplate('{{accountId}} / {{ seen }}', { ...vars, accountId: '{{seen}}' }), '{{seen}} / <seen>');
  });
});

describe('webhook signatures', () => {
  const secret = 'whsec_0123456789abcdef';
  it('verify what was signed, within the tolerance, and nothing else', () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }), (body, t) => {
      const h = signWebhook(secret, body, t);
      assert.equal(verifyWebhook(secret, h, body, t + 10), true);
      assert.equal(verifyWebhook(secret, h, `${body} `, t), false);
      assert.equal(verifyWebhook('another-secret-0123', h, body, t), false);
      assert.equal(verifyWebhook(secret, h, body, t + 301), false);
    }), { numRuns: 100 });
    assert.equal(verifyWebhook(secret, undefined, '{}', 0), false);
    assert.equal(verifyWebhook(secret, 't=1,v1=zz', '{}', 1), false);
  });
});
