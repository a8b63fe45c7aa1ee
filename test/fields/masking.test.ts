// Each masking kind against concrete expected strings (DESIGN.md examples and the edge cases).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bandUsd, MONEY_BANDS } from '../../src/fields/bands.js';
import * as m from '../../src/fields/masking.js';
import type { Transaction } from '../../src/fields/values.js';

describe('masking', () => {
  it('email: first letter of local part and domain, TLD', () => {
    assert.equal(m.maskEmail('jane.doe@gmail.com'), 'j***@g***.com');
    assert.equal(m.maskEmail('a@b.co'), 'a***@b***.co');
    assert.equal(m.maskEmail('x.y@mail.example.co.uk'), 'x***@m***.uk');
    assert.equal(m.maskEmail('root@localhost'), 'r***@l***');
    assert.equal(m.maskEmail('not-an-email'), '***');
    assert.equal(m.maskEmail('émile@exämple.fr'), 'é***@e***.fr');
  });

  it('phone: last two digits only, fixed shape', () => {
    assert.equal(m.maskPhone('+4915123456742'), '+•• ••• •••• ••42');
    assert.equal(m.maskPhone('+1 (415) 555-2671'), '+•• ••• •••• ••71');
    assert.equal(m.maskPhone('+6581234567'), m.maskPhone('+4915100000067'));
    assert.equal(m.maskPhone('12345'), '+•• ••• •••• ••••');
  });

  it('name: first name + initial of the last name', () => {
    assert.equal(m.maskName('Jane Doe'), 'Jane D.');
    assert.equal(m.maskName('  Jane   Mary  Doe '), 'Jane D.');
    assert.equal(m.maskName('Ludwig van Beethoven'), 'Ludwig B.');
    assert.equal(m.maskName('Zoë Ødegaard'), 'Zoë Ø.');
    assert.equal(m.maskName('Suharto'), 'S.');
    assert.equal(m.maskName('jane doe'), 'jane D.');
    assert.equal(m.maskName(''), '');
  });

  it('date of birth: the year only', () => {
    assert.equal(m.maskDate('1990-03-07'), '1990-••-••');
    assert.equal(m.maskDate('07/03/1990'), 'unknown');
  });

  it('address: city and country only', () => {
    assert.deepEqual(m.maskAddress({ line1: '1 Unter den Linden', line2: 'Apt 4', city: 'Berlin', postalCode: '10117', region: 'BE', country: 'DE' }), { city: 'Berlin', country: 'DE' });
  });

  it('IP: IPv4 /16, IPv6 /32, mapped IPv4 as IPv4', () => {
    assert.equal(m.maskIp('203.0.113.77'), '203.0.x.x');
    assert.equal(m.maskIp('2001:0db8:85a3::8a2e:0370:7334'), '2001:db8:x:x:x:x:x:x');
    assert.equal(m.maskIp('fe80::1%eth0'), 'fe80:0:x:x:x:x:x:x');
    assert.equal(m.maskIp('::ffff:198.51.100.4'), '198.51.x.x');
    assert.equal(m.maskIp('::'), '0:0:x:x:x:x:x:x');
    assert.equal(m.maskIp('256.1.1.1'), 'unknown');
    assert.equal(m.maskIp('1:2:3:4:5:6:7:8:9'), 'unknown');
    assert.equal(m.maskIp('1::2::3'), 'unknown');
    assert.equal(m.maskIp('hello'), 'unknown');
  });

  it('device: family only, from a fixed list', () => {
    assert.equal(m.maskDevice('Chrome 126.0.1 on macOS 14.5 (MacBookPro18,3)'), 'Chrome on macOS');
    assert.equal(m.maskDevice('Mobile Safari 17.4 on iPhone 15 Pro'), 'Safari on iOS');
    assert.equal(m.maskDevice('Edge 120 on Windows 11'), 'Edge on Windows');
    assert.equal(m.maskDevice('Keyhole iOS app 5.2.1 (iPhone14,2)'), 'Mobile app on iOS');
    assert.equal(m.maskDevice('Pixel 8 Android 14'), 'Android');
    assert.equal(m.maskDevice("Jane's toaster"), 'Unknown device');
  });

  it('wallet addresses: first 6 … last 4; short ones less', () => {
    assert.equal(m.maskWalletAddress('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'), 'bc1qar…5mdq');
    assert.equal(m.maskWalletAddress('0x52908400098527886E0F7030069857D2E4169EE7'), '0x5290…9EE7');
    assert.equal(m.maskWalletAddress('abcdefghijklmn'), 'ab…mn');
    assert.equal(m.maskWalletAddress('short'), '…');
    assert.deepEqual(m.maskAllowlist([{ asset: 'BTC', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', label: "Mum's Ledger" }]), [{ asset: 'BTC', address: 'bc1qar…5mdq' }]);
  });

  it('IBAN: country and last 4', () => {
    assert.equal(m.maskIban('DE89 3704 0044 0532 0130 00'), 'DE•• •••• 3000');
    assert.equal(m.maskIban('gb29nwbk60161331926819'), 'GB•• •••• 6819');
    assert.equal(m.maskIban('DE12'), 'DE•• •••• ••••');
    assert.deepEqual(m.maskBankAccounts([{ iban: 'FR1420041010050500013M02606', bankName: 'La Banque Postale' }]), [{ iban: 'FR•• •••• 2606', bankName: 'La Banque Postale' }]);
  });

  it('government ID: last 2, fixed width', () => {
    assert.equal(m.maskGovernmentId('C01X00T47'), '••••47');
    assert.equal(m.maskGovernmentId('123-45-6789'), '••••89');
    assert.equal(m.maskGovernmentId('AB12'), '••••••');
  });

  it('fingerprint, text, timestamps, documents', () => {
    assert.equal(m.maskFingerprint('0D69 E11F 12BD BA07 7B37  26AB 4E1F 799A A4FF 2279'), '•••• 2279');
    assert.equal(m.maskFingerprint('ABCD'), '••••');
    assert.equal(m.maskText('apc-Sunflower42'), '••••••');
    assert.equal(m.maskText('x'), '••••••');
    assert.equal(m.maskTimestamp('2026-01-05T23:59:59.999Z'), '2026-01-05');
    assert.equal(m.maskTimestamp('2026-01-05T23:30:00-02:00'), '2026-01-06');
    assert.equal(m.maskTimestamp('yesterday'), 'unknown');
    assert.deepEqual(m.maskDocuments([{ type: 'passport', documentId: 'doc_9f8e7d', uploadedAt: '2025-11-02T10:11:12Z' }]), [{ type: 'passport', uploadedOn: '2025-11-02' }]);
  });

  it('money bands, with ≥ $1M only as "high"', () => {
    const cases: [number, string][] = [
      [0, '<$100'], [99.99, '<$100'], [100, '$100–$1k'], [999, '$100–$1k'], [1000, '$1k–$10k'], [9999.5, '$1k–$10k'],
      [10_000, '$10k–$100k'], [99_999, '$10k–$100k'], [100_000, '$100k–$1M'], [999_999.99, '$100k–$1M'], [1_000_000, 'high'], [4e9, 'high'],
      [-5, '<$100'], [Number.NaN, 'unknown'], [Number.POSITIVE_INFINITY, 'unknown'],
    ];
    for (const [usd, band] of cases) assert.equal(bandUsd(usd), band, String(usd));
    for (const b of MONEY_BANDS) assert.ok(!b.includes('≥') && !b.includes('>'), b);
  });

  it('holdings: assets only (masked), per-asset bands (banded)', () => {
    const h = [{ asset: 'BTC', amount: 1.5, usd: 150_000 }, { asset: 'ETH', amount: 2, usd: 7_000 }];
    assert.deepEqual(m.maskHoldings(h), [{ asset: 'BTC' }, { asset: 'ETH' }]);
    assert.deepEqual(m.bandHoldings(h), [{ asset: 'BTC', band: '$100k–$1M' }, { asset: 'ETH', band: '$1k–$10k' }]);
  });

  it('transactions: scoped to the referenced ids, addresses masked', () => {
    const tx = (id: string, address?: string): Transaction => ({ id, type: 'withdrawal', asset: 'BTC', amount: 0.1, usd: 9000, at: '2026-01-04T12:00:00Z', status: 'pending', ...(address ? { address } : {}) });
    const all = [tx('t1', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'), tx('t2'), tx('t3')];
    assert.deepEqual(m.scopeTransactions(all, ['t3', 't1', 'nope'], false).map((t) => t.id), ['t1', 't3']);
    assert.deepEqual(m.scopeTransactions(all, [], false), []);
    assert.equal(m.scopeTransactions(all, [], true).length, 3);
    const masked = m.maskTransactions(m.scopeTransactions(all, ['t1', 't2'], false));
    assert.equal(masked[0]!.address, 'bc1qar…5mdq');
    assert.equal('address' in masked[1]!, false);
    assert.equal(masked[0]!.usd, 9000);
  });
});
