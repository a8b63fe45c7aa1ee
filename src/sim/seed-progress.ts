// Progress of a long seed where no terminal shows a bar (logs, CI): one line on stderr at every
// 5 % with the rate and an estimate of the time left.
import { performance } from 'node:perf_hooks';

/** An onProgress callback for seedDemo printing `seeding customers 50,000/1,000,000 (5 %,
 *  2,100/s, about 7 min left)` at each 5 % step to `write` (default stderr). */
export function seedProgressLines(total: number, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): (done: number) => void {
  const t0 = performance.now();
  let nextPct = 5;
  return (done) => {
    const pct = total === 0 ? 100 : (done / total) * 100;
    if (pct < nextPct && done < total) return;
    while (nextPct <= pct) nextPct += 5;
    const rate = done / Math.max(0.001, (performance.now() - t0) / 1000);
    const leftS = rate > 0 ? (total - done) / rate : 0;
    const left = leftS >= 90 ? `about ${Math.round(leftS / 60)} min left` : `about ${Math.round(leftS)} s left`;
    write(`seeding customers ${done.toLocaleString('en')}/${total.toLocaleString('en')} (${Math.floor(pct)} %, ${Math.round(rate).toLocaleString('en')}/s, ${left})`);
  };
}
