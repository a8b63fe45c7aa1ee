// The log's side of C2SP tlog-witness for one witness: submit a checkpoint with a consistency
// proof from the size the witness last cosigned (learnt from its 409 answers), verify the
// cosignature it returns with the witness's key, and read its latest cosigned checkpoint from
// the monitoring endpoint. c2sp.org/tlog-witness §add-checkpoint, §Monitor Retrieval Mechanism.
// Witness answers are attacker-controlled: only a cosignature that verifies is kept.
import { KeyholeError } from '../shared/errors.js';
import { openNote } from '../shared/tlog/note.js';
import type { NoteVerifier } from '../shared/tlog/vkey.js';
import { formatAddCheckpoint, parseConflictBody } from '../shared/tlog/witness-protocol.js';
import { originHash } from './witness-store.js';

/** A configured witness: its submission (and monitoring) URL prefix and its cosignature key. */
export interface WitnessEndpoint {
  readonly url: string;
  readonly verifier: NoteVerifier;
}

/** The outcome of a submission: a verified cosignature line, or the witness has already
 *  cosigned a larger tree than the one submitted (`size`) — evidence the log went back. */
export type SubmitOutcome =
  | { readonly kind: 'cosigned'; readonly line: string; readonly keyHash: number }
  | { readonly kind: 'ahead'; readonly size: number };

/** Talks to one witness. Remembers the size it last cosigned (0 until told). */
export class WitnessClient {
  readonly endpoint: WitnessEndpoint;
  readonly #timeoutMs: number;
  #size = 0;

  constructor(endpoint: WitnessEndpoint, opts: { readonly timeoutMs?: number } = {}) {
    this.endpoint = endpoint;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** The size this client believes the witness last cosigned. */
  get knownSize(): number {
    return this.#size;
  }

  /** Submits checkpoint `note` of `size`, proving consistency from the witness's size with
   *  `proof(from)` (RFC 6962 hashes from size `from` to `size`). Follows at most two 409s.
   *  @throws KeyholeError WITNESS_INCONSISTENT on 422 (the witness holds another history),
   *  WITNESS_UNAVAILABLE on a network error, another status or a cosignature that does not
   *  verify (`details.status`). */
  async submit(note: string, size: number, proof: (from: number) => Promise<readonly Uint8Array[]>): Promise<SubmitOutcome> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const old = this.#size <= size ? this.#size : 0;
      const body = formatAddCheckpoint({ oldSize: old, proof: old === 0 || old === size ? [] : await proof(old), note });
      const res = await this.#fetch('/add-checkpoint', { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=utf-8' } });
      const text = await res.text();
      if (res.status === 200) {
        const line = this.#verify(note, text);
        this.#size = size;
        return line;
      }
      if (res.status === 409) {
        const theirs = parseConflictBody(text);
        this.#size = theirs;
        if (theirs > size) return { kind: 'ahead', size: theirs };
        continue;
      }
      if (res.status === 422) {
        throw new KeyholeError('WITNESS_INCONSISTENT', `witness ${this.endpoint.verifier.name} refused the checkpoint of size ${size}: ${text.trim().slice(0, 200)}`, {
          details: { witness: this.endpoint.verifier.name, size, witnessSize: this.#size },
        });
      }
      throw this.#unavailable(`answered ${res.status}`, res.status);
    }
    throw this.#unavailable('kept answering 409', 409);
  }

  /** The witness's latest cosigned checkpoint of `origin` (the note, unverified), or undefined
   *  when it has none (404). @throws KeyholeError WITNESS_UNAVAILABLE otherwise. */
  async latest(origin: string): Promise<string | undefined> {
    const res = await this.#fetch(`/${originHash(origin)}/checkpoint`, { method: 'GET' });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.#unavailable(`answered ${res.status}`, res.status);
    return res.text();
  }

  #verify(note: string, body: string): SubmitOutcome {
    try {
      if (!/^(\u2014 [^\n]+\n)+$/.test(body)) throw new Error('not signature lines');
      const opened = openNote(`${note}${body}`, [this.endpoint.verifier]);
      const sig = opened.verifiedSignatures[0]!;
      return { kind: 'cosigned', line: `\u2014 ${sig.name} ${sig.base64}`, keyHash: sig.keyHash };
    } catch (cause) {
      throw new KeyholeError('WITNESS_UNAVAILABLE', `witness ${this.endpoint.verifier.name} returned no valid cosignature`, { cause, details: { status: 200 } });
    }
  }

  async #fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.endpoint.url.replace(/\/+$/, '')}${path}`, { ...init, signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (cause) {
      throw new KeyholeError('WITNESS_UNAVAILABLE', `witness ${this.endpoint.verifier.name} is unreachable`, { cause, details: { status: 0 } });
    }
  }

  #unavailable(what: string, status: number): KeyholeError {
    return new KeyholeError('WITNESS_UNAVAILABLE', `witness ${this.endpoint.verifier.name} ${what}`, { details: { status } });
  }
}
