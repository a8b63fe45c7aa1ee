// @ts-nocheck
// The module groups of the security core that mutation testing covers (issue 20): which files
// Stryker mutates and which test files may kill their mutants. Run one with
// `npm run mutation -- <group>`; scores go to bench/results/mutation.json.
//
// Equivalent or deliberately redundant mutants are named here, not "tested" with tests that
// cannot fail:
// - policy/engine.ts viewKey: every component is now tested with a pair differing only there
//   (test/policy/view-cache-key.test.ts; team, vendor, step-up and the ids under a policy set
//   that reads them). `decide`'s `&& v.errors.length === 0` is deliberately redundant: readAnswer
//   never allows with errors. The catch in #decideViewUncached is defence in depth no input
//   reaches (viewKey reads every attribute first and authorize never throws): emptying it survives.
// - policy/decision-cache.ts and vault/data-key-cache.ts: `if (max === 0) return` in set() is
//   equivalent (the bound check right after evicts the entry just added); `while` → `if` in the
//   eviction is equivalent (a set adds at most one entry).
// - policy/view-levels.ts: the final confirmation call makes the probing's shortcuts harmless in
//   outcome; test/policy/view-levels-probing.test.ts pins the exact requests, which kills skipping
//   empty groups, `continue` after an allowed group, `break`, the level order and the re-probe
//   alone. Equivalent: `lower !== 'hidden'` → true (a field lowered to hidden adds nothing to the
//   together probe), and in disclosureContext `if (level === 'hidden') continue` and
//   `rank > maxRank` → `>=` (a hidden field has rank 0 and is over nothing).
// - policy/view-levels.ts resolveView: `gate.errors.length > 0 ||` → false is equivalent for the
//   same reason as decide's (readAnswer never allows with errors, so `!gate.allowed` denies);
//   lowerDenied's `pending.size > 0` → `>= 0` is equivalent (an empty pending map runs no probe,
//   leaves `denied` empty and breaks).
// - policy/cedar-call.ts `validateRequest: true` is killed only by a request an evaluation
//   would allow (test/policy/engine-edges.test.ts); Cedar's context parsing catches the rest.
// - shared/tlog/proof-verify.ts: checkProofShape's length bound is also enforced by the
//   "too long" walk; the bound exists to refuse before hashing (tested by message). The walks'
//   `fn !== 0` → true is equivalent (fn is never 0 there: the index is checked below the size
//   first). succeeds()'s `e.code === 'PROOF_INVALID'` → true and its `&&` → `||` are equivalent:
//   verify* throws no other KeyholeError, and anything else (a RangeError from a broken proof
//   object) is still rethrown (proof-edges.test.ts).
// - shared/tlog/proofs.ts: the INTERNAL "bad index math" assertions cannot fire (rest is always
//   empty), and `size1 === size2` → false in proveConsistency is equivalent (equal sizes yield the
//   empty proof from the walk itself). tree-math.ts isSafeIndex's `typeof x === 'number'` → true is
//   equivalent (Number.isSafeInteger is false for any non-number). hash.ts's constant-time compare
//   running one index past the end (`<=`) XORs undefined with undefined (0): equivalent.
// - shared/tlog/note.ts: decodeNote's `note.length > MAX_NOTE_BYTES` pre-check on a string (→
//   false or `>=`) is redundant with the UTF-8 byte count right after it (a string's UTF-16
//   length never exceeds its UTF-8 length, and a note always holds the 3-byte em dash); an empty
//   signature block also fails `endsWith('\n')`; parseSignatureLine's `space < 0` variants and
//   `b64 === ''` → false end as a malformed line all the same (the name or the base64 is then
//   invalid or under 5 bytes); the `{ cause }` of the UTF-8 error is diagnostics only.
// - fields/masking.ts: `/\s+/u` → `/\s/u` in maskName, dropping maskName's trim, and `[^a-z0-9]+`
//   → `[^a-z0-9]` in maskDevice are equivalent: the empty words they add are filtered out or
//   never match a family name. maskName's `?? ''` fallbacks inside `initial` have no coverage because
//   nothing reaches them: `initial` only ever gets a non-empty word. levels.ts isLevel's `typeof level === 'string' &&` → true is
//   equivalent (Array.prototype.includes finds no non-string among the level names; the test
//   feeds it numbers, null, objects and arrays). render.ts renderField's two early returns are
//   deliberately redundant: `levelRank(shown) < levelRank('masked')` → false (or its 'masked'
//   → '') falls through to the renderer table, which has no entry for hidden or verify_only, and
//   `render === undefined` cannot hold while the table matches the catalog (tested); both
//   still return null.
// - vault/envelope.ts: the AAD checks repeat what AES-GCM's tag check catches; every failure is
//   one DECRYPT_FAILED, so removing the early checks in openBytes (key length, truncation,
//   version byte — the header is in the AAD) changes no outcome. `authTagLength` → `{}` is
//   equivalent (the tag is always sliced to 16 bytes), and so is dropping sealBytes' key-length
//   check or encodeAad's `p < 0` / `p > 0xffffffff` (node:crypto and Buffer.writeUInt32BE throw
//   the same RangeError), and so is sealBytes' `at += cipher.final().copy(…)` → `-=` (GCM's final()
//   yields no bytes, so `at` moves by 0 either way). The nonce pool: refilling early (`>` → `>=`, or always) and a pool size
//   not a multiple of 12 (`-` → `+`) hand out fresh CSPRNG bytes all the same.
// - access (verify.ts, ticket-gate.ts): no survivor and no equivalent mutant. The ignored mutants
//   are message and SQL text (StringLiteral). What that exclusion hides was mutated by hand (issue
//   20) and each is killed: the advisory lock that serializes guesses removed (verify.test.ts,
//   concurrency), the window shortened to a minute, `at > since` as `>=` or dropped (verify.test.ts,
//   window edges), the guard call removed (verify-gates.test.ts), the log record skipped or always
//   `matched: true` (verify.test.ts, log read back), an unparseable answer treated as a match
//   (verify-gates.test.ts, letters in a phone), a fixed country for phone answers (verify.test.ts),
//   the grant claim without its agent, used, revoked or expiry (`>=`) conditions, and the gate
//   without its erasure condition (ticket-gate.test.ts).
// - detect-guard (guard.ts, budget-rules.ts): the ignored mutants are the denial reasons and rule
//   names (StringLiteral). Three equivalent mutants, all on the view's round-trip savings (issue
//   13): `prefetch` as `{}` (no column: the guard then reads its counters itself) and the
//   `deferWrite` branch as false (the guard then writes itself, no write is handed back) change
//   no verdict and no count, only the number of statements; guard-views.test.ts checks that the
//   folded read still locks and the handed-back write is still run.

// - identity: tokens.ts serviceForToken's `r.kind === 'agent' ||` and `r.service_name === null ||`
//   → false are redundant with its query (`kind <> 'agent'`) and the table's check that service
//   and SCIM tokens name a service; they stay as type guards. provisioning.ts lockUserName's
//   `toLowerCase()` → `toUpperCase()` is equivalent (any one case serializes every spelling). Removing
//   the lock is killed only on PostgreSQL (scim.test.ts, concurrent creates of one userName); PGlite
//   runs one transaction at a time, and this group runs on PGlite for time. mapping.ts parseMapping's
//   `prettyErrors: false` → true is equivalent (only the first line of the message is kept), and so
//   are mapIdentity's `k === undefined ? undefined : claims[k]` → `claims[k]` (no claim is named
//   "undefined") and its `: []` → `["Stryker was here"]` (not a region code: filtered out).
//   session-code.ts `/^Bearer (.+)$/` without `$` is equivalent (a header value holds no newline).
/** @type {Record<string, { mutate: string[]; testFiles: string[]; excludedMutations?: string[]; needsDatabase?: boolean }>} */
export const GROUPS = {
  fields: {
    mutate: ['src/fields/masking.ts', 'src/fields/render.ts', 'src/fields/purposes.ts', 'src/fields/levels.ts', 'src/fields/bands.ts'],
    testFiles: ['test/fields/*.test.ts'],
  },
  policy: {
    mutate: ['src/policy/engine.ts', 'src/policy/view-levels.ts', 'src/policy/decision-cache.ts', 'src/policy/cedar-call.ts'],
    testFiles: ['test/policy/*.test.ts'],
    // Error-message text is not a security outcome.
    excludedMutations: ['StringLiteral'],
  },
  tlog: {
    mutate: ['src/shared/tlog/hash.ts', 'src/shared/tlog/tree-math.ts', 'src/shared/tlog/proofs.ts', 'src/shared/tlog/proof-verify.ts', 'src/shared/tlog/checkpoint.ts', 'src/shared/tlog/note.ts'],
    testFiles: ['test/tlog/*.test.ts'],
    excludedMutations: ['StringLiteral'],
  },
  vault: {
    mutate: ['src/vault/envelope.ts', 'src/vault/blind-index.ts', 'src/vault/data-key-cache.ts'],
    // The unit suites of these three modules. The storage suites (vault, rotation, erase, blind-index
    // rotation, the CLIs, PKCS#11) reach the same functions through the vault but take minutes per
    // file; with them every covered mutant cost ~7 min and the dry run timed out. Leaving them out
    // can only lower the score.
    testFiles: ['test/vault/envelope*.test.ts', 'test/vault/vault-edges.test.ts', 'test/vault/data-key-cache*.test.ts', 'test/vault/blind-index.test.ts', 'test/vault/key-providers.test.ts'],
    excludedMutations: ['StringLiteral'],
  },
  access: {
    mutate: ['src/access/verify.ts', 'src/access/ticket-gate.ts'],
    // Focused: the gate's and verify's own tests (the broad broker suites took minutes per mutant).
    testFiles: ['test/access/ticket-gate.test.ts', 'test/access/verify-gates.test.ts', 'test/access/verify.test.ts'],
    excludedMutations: ['StringLiteral'],
    needsDatabase: true,
  },
  identity: {
    mutate: ['src/identity/tokens.ts', 'src/identity/sessions.ts', 'src/identity/session-code.ts', 'src/identity/mapping.ts', 'src/identity/provisioning.ts'],
    // Every identity suite but step-up.test.ts, which drives Chromium through a WebAuthn ceremony
    // (16 s a run) and covers the step-up routes, not these modules' decisions; the dry run with
    // it put the group at 4-5 h. Leaving it out can only lower the score.
    testFiles: ['test/identity/mapping.test.ts', 'test/identity/mapping-edges.test.ts', 'test/identity/oidc.test.ts', 'test/identity/provisioning-edges.test.ts', 'test/identity/return-to.test.ts', 'test/identity/scim.test.ts',
      'test/identity/sessions.test.ts', 'test/identity/step-up-binding.test.ts', 'test/identity/token-api.test.ts', 'test/identity/token-edges.test.ts', 'test/identity/tokens.test.ts'],
    excludedMutations: ['StringLiteral'],
    needsDatabase: true,
  },
  'detect-guard': {
    mutate: ['src/detect/guard.ts', 'src/detect/budget-rules.ts'],
    // The pure budget rules first (a second per mutant), then the guard asked directly, then end to end (guard-views: the read folded into a view's statement and the deferred write).
    testFiles: ['test/detect/budget-rules.test.ts', 'test/detect/guard-verdicts.test.ts', 'test/detect/guard.test.ts', 'test/detect/guard-views.test.ts'],
    excludedMutations: ['StringLiteral'],
    needsDatabase: true,
  },
};
