// fast-check: a masked form never carries more than its spec allows, whatever the input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bandUsd, MONEY_BANDS } from '../../src/fields/bands.js';
import * as m from '../../src/fields/masking.js';
import { arbEmail, arbLabel, arbLocal, arbTld, FIELD_ARBS } from './arbitraries.js';

const alnum = (s: string) => Array.from(s).filter((c) => /[\p{L}\p{N}]/u.test(c)).join('');
const digits = (s: string) => Array.from(s).filter((c) => c >= '0' && c <= '9').join('');
const NUM_RUNS = { numRuns: 300 };

describe('masking never leaks (properties)', () => {
  it('email: at most the first letter of local part and domain plus the TLD', () => {
    fc.assert(fc.property(arbLocal, arbLabel, arbTld, (local, domain, tld) => {
      const masked = m.maskEmail(`${local}@${domain}.${tld}`);
      assert.equal(masked, `${local[0]}***@${domain[0]}***.${tld}`);
      assert.ok(alnum(masked).length <= 2 + tld.length);
      const [l, d] = masked.split('@') as [string, string];
      if (local.length >= 2) assert.ok(!l.includes(local));
      if (domain.length >= 2) assert.ok(!d.slice(0, -tld.length - 1).includes(domain));
    }), NUM_RUNS);
  });

  it('email: any string masks to at most 2 characters plus the last domain label', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => {
      const labels = s.slice(s.lastIndexOf('@') + 1).trim().split('.').filter((l) => l !== '');
      const allowance = 2 + (s.includes('@') && labels.length >= 2 ? alnum(labels[labels.length - 1]!).length : 0);
      assert.ok(alnum(m.maskEmail(s)).length <= allowance);
    }), NUM_RUNS);
  });

  it('phone: only the last two digits, same shape for every length', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ' ', '-', '+', '(', ')'), maxLength: 25 }), (p) => {
      const masked = m.maskPhone(p);
      const d = digits(p);
      assert.equal(digits(masked), d.length >= 6 ? d.slice(-2) : '');
      assert.equal(masked.length, '+•• ••• •••• ••42'.length);
    }), NUM_RUNS);
  });

  it('name: first word and one initial, never the last name or a mononym', () => {
    fc.assert(fc.property(FIELD_ARBS.fullName, (name) => {
      const words = name.split(' ');
      const masked = m.maskName(name);
      if (words.length === 1) assert.equal(masked, `${name[0]!.toUpperCase()}.`);
      else {
        assert.equal(masked, `${words[0]} ${words[words.length - 1]![0]!.toUpperCase()}.`);
        for (const w of words.slice(1)) assert.ok(!masked.includes(` ${w}`));
      }
      assert.ok(!masked.includes(name));
    }), NUM_RUNS);
  });

  it('IP: never more than the first two octets (IPv4) or two groups (IPv6)', () => {
    fc.assert(fc.property(FIELD_ARBS.lastLoginIp, (ip) => {
      const masked = m.maskIp(ip);
      assert.ok(masked.endsWith('x.x') || masked.endsWith(':x:x:x:x:x:x'));
      const shown = masked.split(/[.:]/).filter((p) => p !== 'x');
      assert.equal(shown.length, 2);
      assert.ok(!masked.includes(ip));
    }), NUM_RUNS);
  });

  it('wallet address: at most 10 characters and never more than half of it', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'abcdef0123456789xq'.split('')), maxLength: 80 }), (a) => {
      const shown = m.maskWalletAddress(a).replace('…', '');
      assert.ok(shown.length <= 10 && shown.length <= a.length / 2, `${a} → ${shown}`);
    }), NUM_RUNS);
  });

  it('IBAN: country and last 4 only', () => {
    fc.assert(fc.property(FIELD_ARBS.bankAccounts.filter((b) => b.length > 0), (bs) => {
      const iban = bs[0]!.iban;
      assert.equal(alnum(m.maskIban(iban)), iban.slice(0, 2) + iban.slice(-4));
    }), NUM_RUNS);
  });

  it('government ID: the last 2 characters only', () => {
    fc.assert(fc.property(FIELD_ARBS.governmentId, (id) => {
      assert.equal(alnum(m.maskGovernmentId(id)), id.slice(-2));
    }), NUM_RUNS);
  });

  it('device: one of the fixed family names', () => {
    fc.assert(fc.property(fc.oneof(FIELD_ARBS.lastLoginDevice, fc.string({ maxLength: 40 })), (d) => {
      const masked = m.maskDevice(d);
      assert.match(masked, /^((Edge|Opera|Brave|Samsung Internet|Firefox|Chrome|Chromium|Safari|Mobile app)( on (Windows|iPadOS|iOS|macOS|Android|ChromeOS|Linux))?|Windows|iPadOS|iOS|macOS|Android|ChromeOS|Linux|Unknown device)$/);
    }), NUM_RUNS);
  });

  it('documents: never the document id', () => {
    fc.assert(fc.property(FIELD_ARBS.kycDocuments, (docs) => {
      const json = JSON.stringify(m.maskDocuments(docs));
      for (const d of docs) assert.ok(!json.includes(d.documentId));
    }), NUM_RUNS);
  });

  it('money: always one of the band labels, never a figure at or above $1M', () => {
    fc.assert(fc.property(fc.double(), (usd) => {
      const band = bandUsd(usd);
      assert.ok((MONEY_BANDS as readonly string[]).includes(band) || band === 'unknown');
      if (usd >= 1e6 && Number.isFinite(usd)) assert.equal(band, 'high');
    }), NUM_RUNS);
  });

  it('generated e-mails mask to a fixed shape', () => {
    fc.assert(fc.property(arbEmail, (e) => assert.match(m.maskEmail(e), /^[a-z0-9]\*\*\*@[a-z]\*\*\*\.[a-z]+$/)), NUM_RUNS);
  });
});
