// Masks that the mutation run (bench/results/mutation.json, group `fields`) found untested:
// e-mails with an empty local part or stray dots and spaces, dates with text around them,
// every browser and OS name of the device mask, padded wallet addresses, and isLevel on values
// read back from storage. Each case fails on one of the surviving mutants it names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLevel, LEVELS } from '../../src/fields/levels.js';
import { DOT, maskDate, maskDevice, maskEmail, maskWalletAddress } from '../../src/fields/masking.js';

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
