// Masks that the mutation run (bench/results/mutation.json, group `fields`) found untested:
// e-mails with an empty local part or stray dots and spaces, dates with text around them,
// every browser and OS name of the device mask, padded wallet addresses, and isLevel on values
// read back from storage. Each case fails on one of the surviving mutants it names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLevel, LEVELS } from '../../src/fields/levels.js';
import { DOT, maskDate, maskDevice, maskEmail, maskFingerprint, maskGovernmentId, maskIban, maskWalletAddress } from '../../src/fields/masking.js';

describe('maskEmail at its edges', () => {
  it('masks an address with an empty local part instead of giving up (at = 0 is an address)', () => {
    assert.equal(maskEmail('@example.com'), '***@e***.com');
  });
  it('ignores spaces around the parts and empty domain labels', () => {
    assert.equal(maskEmail('  jane@gmail.com'), 'j***@g***.com');
    assert.equal(maskEmail('jane@ gmail.com '), 'j***@g***.com');
    assert.equal(maskEmail('jane@.gmail.com'), 'j***@g***.com');
  });
  it('shows nothing of a missing domain', () => {
    assert.equal(maskEmail('jane@'), 'j***@***');
  });
});

describe('maskDate', () => {
  it('keeps the year of a padded ISO date only, and nothing of a date inside other text', () => {
    assert.equal(maskDate(' 1990-03-07 '), `1990-${DOT.repeat(2)}-${DOT.repeat(2)}`);
    assert.equal(maskDate('x1990-03-07'), 'unknown');
    assert.equal(maskDate('1990-03-071'), 'unknown');
  });
});

describe('maskDevice', () => {
  const browsers: Array<[string, string]> = [
    ['Edge', 'Edge'], ['Opera', 'Opera'], ['Brave', 'Brave'], ['SamsungBrowser', 'Samsung Internet'], ['Firefox', 'Firefox'],
    ['Chrome', 'Chrome'], ['Chromium', 'Chromium'], ['Safari', 'Safari'], ['App', 'Mobile app'],
  ];
  const systems: Array<[string, string]> = [
    ['Windows', 'Windows'], ['iPadOS', 'iPadOS'], ['iPad', 'iPadOS'], ['iOS', 'iOS'], ['iPhone', 'iOS'], ['macOS', 'macOS'], ['Mac', 'macOS'],
    ['Android', 'Android'], ['ChromeOS', 'ChromeOS'], ['Linux', 'Linux'], ['Ubuntu', 'Linux'],
  ];
  it('names every listed browser and system family, and nothing else of the description', () => {
    for (const [word, family] of browsers) assert.equal(maskDevice(`${word} 126.0.1`), family, word);
    for (const [word, family] of systems) assert.equal(maskDevice(`${word} 14.5 (Model18,3)`), family, word);
    assert.equal(maskDevice('Firefox 128 on Ubuntu 24.04'), 'Firefox on Linux');
    assert.equal(maskDevice('Acme Kiosk 3000'), 'Unknown device');
  });
  it('names a bare system word with nothing after it', () => {
    assert.equal(maskDevice('Linux'), 'Linux');
    assert.equal(maskDevice('Firefox on Linux'), 'Firefox on Linux');
  });
});

describe('maskWalletAddress', () => {
  it('measures and cuts the address without the spaces around it', () => {
    assert.equal(maskWalletAddress('  bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq  '), 'bc1qar…5mdq');
    assert.equal(maskWalletAddress(' 0123456789AB '), '01…AB');
  });
});

describe('isLevel', () => {
  it('accepts exactly the five levels and refuses anything else read back from storage', () => {
    for (const l of LEVELS) assert.equal(isLevel(l), true, l);
    for (const bad of ['secret', 'REVEALED', 'Masked', ' full', '', 3, null, undefined, {}, ['masked']]) assert.equal(isLevel(bad), false, String(bad));
  });
});

// Values pasted from documents carry separators outside ASCII (no-break spaces, underscores,
// accented letters): only A–Z and 0–9 (hex digits for fingerprints) may count or be shown.
describe('masks keep only their own characters, at the ends of the alphabet too', () => {
  const nbsp = '\u00a0';
  it('maskIban: a country code and tail with A and Z, separators above "9" and "Z"', () => {
    assert.equal(maskIban('AZ21NABZ00000000137010001944'), `AZ${DOT.repeat(2)} ${DOT.repeat(4)} 1944`);
    assert.equal(maskIban('DE21NABZ0000000013701000194Z'), `DE${DOT.repeat(2)} ${DOT.repeat(4)} 194Z`);
    assert.equal(maskIban('DE21NABZ0000000013701000194A'), `DE${DOT.repeat(2)} ${DOT.repeat(4)} 194A`);
    assert.equal(maskIban(`DE89${nbsp}3704${nbsp}0044${nbsp}0532${nbsp}0130${nbsp}00${nbsp}`), `DE${DOT.repeat(2)} ${DOT.repeat(4)} 3000`);
    assert.equal(maskIban('DE89_3704_0044_0532_0130_00_'), `DE${DOT.repeat(2)} ${DOT.repeat(4)} 3000`);
    assert.equal(maskIban(`DE${nbsp}8${nbsp}9${nbsp}3${nbsp}7${nbsp}0${nbsp}4`), `DE${DOT.repeat(2)} ${DOT.repeat(4)} ${DOT.repeat(4)}`, 'seven characters with separators are still too short');
  });
  it('maskGovernmentId: separators above "9" and "Z" neither count nor show', () => {
    assert.equal(maskGovernmentId(`AB${nbsp}12${nbsp}34${nbsp}`), `${DOT.repeat(4)}34`);
    assert.equal(maskGovernmentId('AB_12_34_'), `${DOT.repeat(4)}34`);
    assert.equal(maskGovernmentId('ÄB123Ö'), DOT.repeat(6), 'four characters and two umlauts are too short');
    assert.equal(maskGovernmentId(`AB${nbsp}1${nbsp}2${nbsp}3`), DOT.repeat(6));
  });
  it('maskFingerprint: spaces and other characters below "0" neither count nor show', () => {
    assert.equal(maskFingerprint('0123 4567 89ab cdef '), `${DOT.repeat(4)} CDEF`);
    assert.equal(maskFingerprint('0123 4567 89ab cde  '), DOT.repeat(4), 'fifteen hex digits and spaces are too short');
    assert.equal(maskFingerprint('0123-4567-89AB-CDEF-'), `${DOT.repeat(4)} CDEF`);
  });
});
