// The seam through which tree algorithms read stored hashes (golang.org/x/mod/sumdb/tlog
// HashReader), and the one checked way to call it. Indexes are stored-hash indexes
// (stored-hash-index.ts).
import { KeyholeError } from '../errors.js';
import { isHash } from './hash.js';

/** Reads hashes of the log's tree by stored-hash index.
 *  `readHashes` MUST resolve to exactly one 32-byte hash per index, in the order given,
 *  or reject. It may run faster when indexes are ascending. */
export interface HashReader {
  readHashes(indexes: readonly number[]): Promise<readonly Uint8Array[]>;
}

/** Calls `reader.readHashes(indexes)` and checks the shape of its answer.
 *  @throws KeyholeError LOG_VERIFY_FAILED when the reader returns the wrong number of
 *  hashes or a value that is not 32 bytes; whatever the reader itself throws. */
export async function readHashesChecked(reader: HashReader, indexes: readonly number[]): Promise<readonly Uint8Array[]> {
  if (indexes.length === 0) return [];
  const hashes = await reader.readHashes(indexes);
  if (!Array.isArray(hashes) || hashes.length !== indexes.length || !hashes.every(isHash)) {
    throw new KeyholeError('LOG_VERIFY_FAILED', `hash reader returned a malformed answer for ${indexes.length} indexes`);
  }
  return hashes;
}
