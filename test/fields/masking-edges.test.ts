// Masking at its edges (issue 20): formatted values (separators, lower case, letters where
// digits belong) and values at exactly the "short values show nothing" thresholds. A mask that
// counted separators as characters, or moved a threshold by one, fails here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DOT, maskFingerprint, maskGovernmentId, maskIban, maskPhone, maskWalletAddress } from '../../src/fields/masking.js';

const d = (n: number) => DOT.repeat(n);
const PHONE_SHAPE = (tail: string) => `+${d(2)} ${d(3)} ${d(4)} ${d(2)}${tail}`;

describe('maskGovernmentId', () => {
  it('shows the last two of exactly six letters or digits, none of five', () => {
    assert.equal(maskGovernmentId('AB1234'), `${d(4)}34`);
    assert.equal(maskGovernmentId('AB123'), d(6));
  });
  it('ignores separators and case when counting and choosing the last two', () => {
    assert.equal(maskGovernmentId('AB-12-34-'), `${d(4)}34`);
    assert.equal(maskGovernmentId('ab 12 3x'), `${d(4)}3X`);
    assert.equal(maskGovernmentId('AB-12-3'), d(6), 'five characters plus separators are still too short');
    assert.equal(maskGovernmentId('A.B.1.2.3.'), d(6));
  });
  it('property: separators and case never change the mask', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Z0-9]{0,14}$/), fc.array(fc.constantFrom(' ', '-', '.', '/'), { maxLength: 14 }), (id, seps) => {
      const formatted = Array.from(id).map((c, i) => c + (seps[i] ?? '')).join('').toLowerCase();
      assert.equal(maskGovernmentId(formatted), maskGovernmentId(id));
    }));
  });
});

describe('maskFingerprint', () => {
  it('shows the last four of exactly 16 hex digits, nothing for 15', () => {
    assert.equal(maskFingerprint('0123456789ABCDEF'), `${d(4)} CDEF`);
    assert.equal(maskFingerprint('0123456789ABCDE'), d(4));
  });
  it('reads only hex digits, in either case, through spaces and colons', () => {
    assert.equal(maskFingerprint('0123 4567 89ab cdef'), `${d(4)} CDEF`);
    assert.equal(maskFingerprint('01:23:45:67:89:AB:CD:EF:'), `${d(4)} CDEF`);
    assert.equal(maskFingerprint('GGGG0123456789ABCDE'), d(4), 'non-hex letters do not count');
    assert.equal(maskFingerprint('0123456789ABCDEFXYZ'), `${d(4)} CDEF`, 'trailing non-hex letters are not shown');
  });
});

describe('maskPhone', () => {
  it('shows the last two of exactly six digits, none of five', () => {
    assert.equal(maskPhone('123456'), PHONE_SHAPE('56'));
    assert.equal(maskPhone('12345'), PHONE_SHAPE(d(2)));
  });
  it('counts only digits: letters and separators neither count nor show', () => {
    assert.equal(maskPhone('+1-800-FLOWERS'), PHONE_SHAPE(d(2)), 'four digits');
    assert.equal(maskPhone('+44 (20) 7946-0958 '), PHONE_SHAPE('58'));
    assert.equal(maskPhone('+44 20 7946 0958 ext'), PHONE_SHAPE('58'));
    assert.equal(maskPhone('1-2-3-4-5'), PHONE_SHAPE(d(2)));
  });
});

describe('maskIban', () => {
  it('shows the last four of exactly ten letters or digits, none of nine', () => {
    assert.equal(maskIban('DE89370400'), `DE${d(2)} ${d(4)} 0400`);
    assert.equal(maskIban('DE8937040'), `DE${d(2)} ${d(4)} ${d(4)}`);
  });
  it('reads through spaces and lower case', () => {
    assert.equal(maskIban('de89 3704 0044 0532 0130 00'), `DE${d(2)} ${d(4)} 3000`);
    assert.equal(maskIban('DE89-3704-0 '), `DE${d(2)} ${d(4)} ${d(4)}`, 'nine characters plus separators');
  });
});

describe('maskWalletAddress', () => {
  const addr = (n: number) => 'abcdefghijklmnopqrstuvwxyz0123456789'.slice(0, n);
  it('switches shape exactly at 20 and 12 characters', () => {
    assert.equal(maskWalletAddress(addr(20)), 'abcdef…qrst');
    assert.equal(maskWalletAddress(addr(19)), 'ab…rs');
    assert.equal(maskWalletAddress(addr(12)), 'ab…kl');
    assert.equal(maskWalletAddress(addr(11)), '…');
  });
  it('never shows more than half of the characters', () => {
    fc.assert(fc.property(fc.string({ minLength: 0, maxLength: 80 }), (a) => {
      const shown = Array.from(maskWalletAddress(a).replace('…', '')).length;
      assert.ok(shown * 2 <= Array.from(a.trim()).length || shown === 0);
    }));
  });
});
