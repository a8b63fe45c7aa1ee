// Named prepared statements for the hot paths (issue 13 item 1). A statement text registered
// here runs on PostgreSQL as a named prepared statement (src/store/pg-session.ts): each pooled
// connection parses and plans it once and afterwards only binds and executes it. The name is a
// hash of the text, so one text always has one name and two texts never share one. PGlite runs
// the same text unnamed (one in-process connection; nothing to gain on the wire).
import { createHash } from 'node:crypto';

/** At most this many distinct texts are registered (each costs a plan on every connection);
 *  beyond it a text still runs, unnamed. */
export const MAX_PREPARED_STATEMENTS = 128;

const names = new Map<string, string>();

/** Registers `sql` — constant text with `$n` placeholders, never built from input — as a hot
 *  statement and returns it unchanged, so a module writes `const Q = prepared('select …')`.
 *  Idempotent. Texts past MAX_PREPARED_STATEMENTS are returned but not registered. */
export function prepared(sql: string): string {
  if (!names.has(sql) && names.size < MAX_PREPARED_STATEMENTS) {
    names.set(sql, `kh_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`);
  }
  return sql;
}

/** The statement name of a registered text (`kh_` + 24 hex digits), or undefined. */
export function preparedName(sql: string): string | undefined {
  return names.get(sql);
}

const COMMITTING_MARK = '\n/* then commit */';
const committingTexts = new Map<string, string>();

/** The variant of hot statement `sql` that ends its transaction: on PostgreSQL the session sends
 *  COMMIT in the same write, before the same Sync (src/store/pg-session.ts), so the statement's
 *  promise resolves only once the transaction has committed and rejects if either failed (then
 *  nothing of the transaction is kept). It MUST be the transaction's last statement: the session
 *  refuses any statement after it until the transaction's own COMMIT, which is then not sent. The
 *  text is `sql` plus a trailing comment, so elsewhere (PGlite, outside a transaction) it runs
 *  as `sql` and the transaction commits as usual. Registered and named like `prepared`. */
export function committing(sql: string): string {
  let text = committingTexts.get(sql);
  if (text === undefined) {
    text = prepared(`${sql}${COMMITTING_MARK}`);
    committingTexts.set(sql, text);
  }
  return text;
}

/** Whether `sql` is a `committing` text. */
export function commitsAfter(sql: string): boolean {
  return sql.endsWith(COMMITTING_MARK);
}
