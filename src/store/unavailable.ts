// Telling "the database is unreachable right now" apart from every other failure: a lost or
// refused connection, a server shutting down or starting up, too many connections. Such an
// error is an instruction to retry (503 DATABASE_UNAVAILABLE with Retry-After), never a crash
// and never a 500. PostgreSQL SQLSTATE classes 08 and 57P, 53300 (Appendix A of its manual).

/** SQLSTATEs meaning the server cannot serve this connection now. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '53300']);
/** Node socket errors of a refused, reset or unreachable server. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** node-postgres messages of a lost connection or a connect timeout (pg 8.x). */
const PG_MESSAGES = [
  'Connection terminated', 'timeout exceeded when trying to connect', 'is not queryable', 'Client has encountered a connection error',
];

/** True when `err`, or any error in its `cause` chain (at most 8 deep), says the database is
 *  unreachable or refusing connections for now. */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e !== null && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('08') && code.length === 5 || UNAVAILABLE_SQLSTATES.has(code) || SOCKET_CODES.has(code))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && PG_MESSAGES.some((m) => message.includes(m))) return true;
    if (e instanceof AggregateError && e.errors.some((x) => isDatabaseUnavailable(x))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
