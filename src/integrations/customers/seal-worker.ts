// The worker-thread side of SealThread (seal-thread.ts): runs sealRows on the batches the
// parent posts ({ id, rows, mode }) and posts back { id, result } or { id, error } (the error's
// message only: sealRows puts no value in it).
import { parentPort } from 'node:worker_threads';
import type { SourceRow } from './sources.js';
import { sealRows } from './seal-rows.js';

parentPort?.on('message', (m: { id: number; rows: SourceRow[]; mode: 'json' | 'text' }) => {
  try {
    parentPort?.postMessage({ id: m.id, result: sealRows(m.rows, m.mode) });
  } catch (e) {
    parentPort?.postMessage({ id: m.id, error: e instanceof Error ? e.message : 'sealing failed' });
  }
});
parentPort?.postMessage({ ready: true });
