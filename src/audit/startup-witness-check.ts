// The witnesses' half of the start-up check: when a server starts, in the background, compare its
// database with the latest checkpoints its witnesses cosigned and the published-checkpoint file
// (witnessed-check.ts). A database truncated or restored behind them, or rewritten, fails the log
// (customer data withheld, an alert — log-health.ts) until a restart; a witness that does not
// answer, or a quorum not met yet (a young log), is only a warning. Issue 10 items 2 and 5.
import type { Kysely } from 'kysely';
import type { LogIdentity } from './log-identity.js';
import type { AuditTables } from './tables.js';
import type { VerifierPolicy } from './witness-policy-source.js';
import { checkAgainstWitnesses } from './witnessed-check.js';

/** What the check needs and where its findings go. */
export interface StartupWitnessCheck {
  readonly db: Kysely<AuditTables>;
  readonly identity: LogIdentity;
  readonly policy: VerifierPolicy;
  /** The published-checkpoint file's note, if any. */
  readonly publishedNote: () => string | undefined;
  /** A truncated or rewritten log: fail closed. */
  readonly failed: (reason: string) => void;
  /** Everything worth an operator's look that is not a failure. */
  readonly warn: (message: string) => void;
}

/** Runs the check once; resolves when done (immediately when there is nothing to compare with).
 *  Never rejects: a database error (e.g. the server closing) is a warning. */
export async function checkWitnessesAtStartup(c: StartupWitnessCheck): Promise<void> {
  try {
    const publishedNote = c.publishedNote();
    if (c.policy.urls.length === 0 && c.policy.policy.witnesses.length === 0 && publishedNote === undefined) return;
    const r = await checkAgainstWitnesses(c.db, {
      verifier: c.identity.verifiers, origin: c.identity.origin, policy: c.policy.policy, urls: c.policy.urls, publishedNote,
    });
    for (const w of r.warnings) c.warn(w);
    if (r.ok) return;
    if (r.code === 'LOG_VERIFY_FAILED') c.failed(`start-up witness check: ${r.problem}`);
    else c.warn(r.problem);
  } catch (e) {
    c.warn(`the start-up witness check did not run: ${e instanceof Error ? e.message : String(e)}`);
  }
}
