// Canonical forms: concrete formats per method, and the property that every way a caller can say
// a value canonicalizes to what the stored value canonicalizes to.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalFromAnswer, canonicalFromValue } from '../../src/fields/normalize.js';
import { CALLING_CODES } from '../../src/fields/normalize-phone.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { arbEmail, arbIsoDay } from './arbitraries.js';

const ans = canonicalFromAnswer;

describe('canonical dates', () => {
  it('accepts the common formats', () => {
    for (const a of ['1990-03-07', '07/03/1990', '7/3/1990', '07.03.1990', '7 March 1990', '7th march 1990', 'March 7, 1990', 'Mar 7 1990', '19900307', '1990/03/07', ' 1990-03-07 ', '１９９０-０３-０７']) {
      assert.equal(ans('dateOfBirth', a), '1990-03-07', a);
    }
  });

  it('reads numeric dates day first, month first for the US, and lets an impossible part decide', () => {
    assert.equal(ans('dateOfBirth', '03/07/1990'), '1990-07-03');
    assert.equal(ans('dateOfBirth', '03/07/1990', { country: 'US' }), '1990-03-07');
    assert.equal(ans('dateOfBirth', '03/25/1990'), '1990-03-25');
    assert.equal(ans('dateOfBirth', '25/03/1990', { country: 'US' }), '1990-03-25');
  });

  it('rejects what is not one real date', () => {
    for (const a of ['', '1990', '07/03/90', '31/02/1990', '1990-13-01', '29 Feb 1991', 'March 1990', '7 Marchh 1990', '07/03/1990/1', 'tomorrow', '0990-01-01']) {
      assert.equal(ans('dateOfBirth', a), null, a);
    }
    assert.equal(ans('dateOfBirth', '29 Feb 1992'), '1992-02-29');
  });
});

describe('canonical phones (E.164)', () => {
  it('normalizes international and national formats', () => {
    const cases: [string, string | undefined, string][] = [
      ['+44 20 7946 0958', undefined, '+442079460958'], ['+44 (0)20 7946 0958', undefined, '+442079460958'],
      ['0044 20 7946 0958', undefined, '+442079460958'], ['020 7946 0958', 'GB', '+442079460958'],
      ['(415) 555-2671', 'US', '+14155552671'], ['1-415-555-2671', 'US', '+14155552671'], ['011 44 20 7946 0958', 'US', '+442079460958'],
      ['(416) 555-0199', 'CA', '+14165550199'], ['030 1234567', 'DE', '+49301234567'], ['01 23 45 67 89', 'FR', '+33123456789'],
      ['8123 4567', 'SG', '+6581234567'], ['03-1234-5678', 'JP', '+81312345678'], ['0412 345 678', 'AU', '+61412345678'],
      ['06 1234 5678', 'IT', '+390612345678'], ['＋４４ ２０ ７９４６ ０９５８', undefined, '+442079460958'],
    ];
    for (const [a, country, e] of cases) assert.equal(ans('phone', a, country ? { country } : {}), e, `${a} ${country ?? ''}`);
  });

  it('rejects national numbers without a known country and anything that is not a number', () => {
    assert.equal(ans('phone', '020 7946 0958'), null);
    assert.equal(ans('phone', '020 7946 0958', { country: 'XX' }), null);
    assert.equal(ans('phone', '+44 20 7946 0958 ext 12'), null);
    assert.equal(ans('phone', '+1234'), null);
    assert.equal(ans('phone', '+1234567890123456'), null);
    assert.equal(ans('phone', '+0 123 456 789'), null);
    assert.equal(ans('phone', ''), null);
  });
});

describe('canonical e-mails, names, postal codes, IDs, codes', () => {
  it('e-mail: trimmed, lowercase, NFKC; needs one @', () => {
    assert.equal(ans('email', '  Jane.Doe@GMail.COM '), 'jane.doe@gmail.com');
    assert.equal(ans('email', 'ｊａｎｅ@example.com'), 'jane@example.com');
    for (const a of ['jane', '@x.com', 'jane@', 'a@b@c', 'ja ne@x.com']) assert.equal(ans('email', a), null, a);
  });

  it('name: diacritics folded, case and spacing ignored', () => {
    assert.equal(ans('fullName', '  JOSÉ   Müller '), 'jose muller');
    assert.equal(ans('fullName', 'Jose Muller'), 'jose muller');
    assert.equal(ans('fullName', 'Straße'), 'strasse');
    assert.equal(ans('fullName', "Seán O'Brien-Łukasz"), 'sean obrien lukasz');
    assert.equal(ans('fullName', 'Søren Kierkegaard'), ans('fullName', 'Soren KIERKEGAARD'));
    assert.equal(ans('fullName', '   '), null);
  });

  it('address: compares the postal code only (uppercase, no spaces or dashes; US ZIP+4 → ZIP)', () => {
    const gb = { line1: '10 Downing St', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' };
    assert.equal(canonicalFromValue('address', gb), 'SW1A2AA');
    assert.equal(ans('address', 'sw1a 2aa'), 'SW1A2AA');
    assert.equal(ans('address', 'SW1A2AA'), canonicalFromValue('address', gb));
    assert.equal(canonicalFromValue('address', { line1: 'x', city: 'Tokyo', postalCode: '100-0001', country: 'JP' }), ans('address', '1000001'));
    assert.equal(canonicalFromValue('address', { line1: 'x', city: 'SF', postalCode: '94105-1234', country: 'US' }), '94105');
    assert.equal(ans('address', '94105', { country: 'US' }), '94105');
    assert.equal(canonicalFromValue('address', 'SW1A 2AA'), null);
  });

  it('government ID: uppercase, separators removed', () => {
    assert.equal(ans('governmentId', 'c01x-00t.47'), 'C01X00T47');
    assert.equal(ans('governmentId', '123 45 6789'), canonicalFromValue('governmentId', '123-45-6789'));
  });

  it('anti-phishing code: trimmed, case kept', () => {
    assert.equal(ans('antiPhishingCode', ' Sunflower42 '), 'Sunflower42');
    assert.notEqual(ans('antiPhishingCode', 'sunflower42'), canonicalFromValue('antiPhishingCode', 'Sunflower42'));
  });

  it('throws FIELD_NOT_VERIFIABLE for a field without a method; null for oversized input', () => {
    assert.throws(() => ans('totalBalance', '100'), (e) => isKeyholeError(e, 'FIELD_NOT_VERIFIABLE'));
    assert.throws(() => canonicalFromValue('kycDocuments', []), (e) => isKeyholeError(e, 'FIELD_NOT_VERIFIABLE'));
    assert.equal(ans('email', `${'a'.repeat(1000)}@x.com`), null);
    assert.equal(canonicalFromValue('email', 42), null);
  });
});

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const pad = (n: number) => String(n).padStart(2, '0');
const ordinal = (d: number) => `${d}${d % 10 === 1 && d !== 11 ? 'st' : d % 10 === 2 && d !== 12 ? 'nd' : d % 10 === 3 && d !== 13 ? 'rd' : 'th'}`;

describe('canonicalFromAnswer agrees with canonicalFromValue (properties)', () => {
  it('dates in every accepted format', () => {
    fc.assert(fc.property(arbIsoDay, fc.nat(9), fc.boolean(), (iso, fmt, upper) => {
      const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
      const name = MONTHS[m - 1]!;
      const spoken = [`${d} ${name} ${y}`, `${name} ${d}, ${y}`, `${ordinal(d)} ${name.slice(0, 3)} ${y}`, `${name.slice(0, 3)}. ${ordinal(d)} ${y}`];
      const formats: [string, string | undefined][] = [
        [iso, undefined], [`${pad(d)}/${pad(m)}/${y}`, 'DE'], [`${d}.${m}.${y}`, 'FR'], [`${pad(m)}/${pad(d)}/${y}`, 'US'],
        [`${y}${pad(m)}${pad(d)}`, undefined], [`${y}/${m}/${d}`, undefined], ...spoken.map((s): [string, undefined] => [s, undefined]),
      ];
      const [text, country] = formats[fmt % formats.length]!;
      const answer = upper ? text.toUpperCase() : text;
      assert.equal(ans('dateOfBirth', `  ${answer} `, { country }), canonicalFromValue('dateOfBirth', iso), answer);
    }), { numRuns: 1000 });
  });

  it('phones: spaces, dashes, parentheses, 00 prefix and national format', () => {
    const countries = Object.keys(CALLING_CODES);
    const arb = fc.tuple(fc.constantFrom(...countries), fc.integer({ min: 2, max: 9 }), fc.array(fc.nat(9), { minLength: 6, maxLength: 9 }), fc.nat(4), fc.nat(3));
    fc.assert(fc.property(arb, ([country, first, rest, fmt, group]) => {
      const cc = CALLING_CODES[country]!;
      const nsn = `${first}${rest.join('')}`.slice(0, cc.code === '1' ? 10 : 15 - cc.code.length).padEnd(cc.code === '1' ? 10 : 0, '5');
      const stored = `+${cc.code}${nsn}`;
      const size = group + 2;
      const spaced = Array.from({ length: Math.ceil(nsn.length / size) }, (_, i) => nsn.slice(i * size, (i + 1) * size)).join([' ', '-', ' ', '.'][group]!);
      const national = (cc.code === '1' ? '1' : cc.trunk) + nsn;
      const formats = [`+${cc.code} ${spaced}`, `00${cc.code} (${nsn.slice(0, 3)}) ${nsn.slice(3)}`, `${national}`, `(${national.slice(0, 4)}) ${national.slice(4)}`, `+${cc.code}-${nsn}`];
      const answer = formats[fmt]!;
      assert.equal(ans('phone', answer, { country }), canonicalFromValue('phone', stored), `${answer} (${country})`);
    }), { numRuns: 1000 });
  });

  it('e-mails in any case with surrounding whitespace', () => {
    fc.assert(fc.property(arbEmail, fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }), fc.constantFrom('', ' ', '\t', '  '), (email, ups, ws) => {
      const answer = Array.from(email).map((c, i) => (ups[i] ? c.toUpperCase() : c)).join('');
      assert.equal(ans('email', `${ws}${answer}${ws}`), canonicalFromValue('email', email));
    }), { numRuns: 500 });
  });

  it('names with or without diacritics, in any case and spacing', () => {
    const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
    const accents = ['', '\u0301', '\u0300', '\u0308', '\u0302', '\u0303', '\u030c'];
    const arbWord = fc.array(fc.tuple(fc.constantFrom(...letters), fc.constantFrom(...accents)), { minLength: 1, maxLength: 10 });
    fc.assert(fc.property(fc.array(arbWord, { minLength: 1, maxLength: 4 }), fc.constantFrom(' ', '  ', '\t', ' \u00a0'), fc.boolean(), (words, sep, upper) => {
      const stored = words.map((w) => w.map(([l, a]) => l + a).join('').normalize('NFC')).join(' ');
      const plain = words.map((w) => w.map(([l]) => l).join('')).join(sep);
      const answer = upper ? plain.toUpperCase() : plain;
      assert.equal(ans('fullName', ` ${answer} `), canonicalFromValue('fullName', stored));
      assert.equal(ans('fullName', stored.normalize('NFD').toUpperCase()), canonicalFromValue('fullName', stored));
    }), { numRuns: 500 });
  });
});
