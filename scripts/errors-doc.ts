// Regenerates the table in docs/errors.md from ERROR_CATALOG: `npx tsx scripts/errors-doc.ts`.
import { writeFileSync } from 'node:fs';
import { ERROR_CATALOG } from '../src/shared/errors.js';

const rows = Object.entries(ERROR_CATALOG).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.exit} | ${e.message} |`);
writeFileSync(new URL('../docs/errors.md', import.meta.url), `# Error codes

Every failure Keyhole reports on purpose has a stable code. HTTP responses carry it as
\`{"error": {"code": "…", "message": "…"}}\` with the status below; the \`keyhole\` command exits
with the exit code below. A 5xx other than 503 is reported to the caller only as \`INTERNAL\`
(the cause is logged, never sent); a 503 carries its own code and a \`Retry-After\` header.
This table is generated from \`src/shared/errors.ts\` (\`npx tsx scripts/errors-doc.ts\`) and a
test checks that both agree.

| code | HTTP status | exit code | message |
| --- | --- | --- | --- |
${rows.join('\n')}

## Notes

- \`RATE_LIMITED\` (429) answers a client that used up its failed sign-in attempts (a wrong or
  expired bearer token, session cookie, service or SCIM token, customer session or passkey
  assertion; \`KEYHOLE_SIGNIN_MAX_FAILURES\` per \`KEYHOLE_SIGNIN_WINDOW_S\`) and carries
  \`Retry-After\` in seconds; while it lasts even a valid credential from that client is refused.
- \`LOOKUP_NO_MATCH\` (404) is one answer for no match, several matches, an erased customer and a
  policy denial; each counts against the lookup budget, so once a budget is spent every lookup —
  of an existing customer or not — gets the same \`BUDGET_EXCEEDED\` (429).
`);
