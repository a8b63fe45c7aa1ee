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
`);
