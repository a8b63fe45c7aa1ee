// A minimal Server-Sent Events reader over fetch for tests: parses `event:`/`data:` blocks
// and waits for the first message matching a predicate, or for the end of the stream.

/** One parsed SSE message. */
export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
}

/** An open stream. */
export interface SseClient {
  readonly status: number;
  /** Resolves with the first message (from now on, or already buffered) matching `match`. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Every message received so far. */
  readonly seen: readonly SseEvent[];
  /** Resolves when the server ends the stream. */
  readonly closed: Promise<void>;
  abort(): void;
}

/** Opens `url` with `headers` and parses the stream in the background. */
export async function openSse(url: string, headers: Record<string, string>): Promise<SseClient> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const seen: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  const closed = (async () => {
    if (!res.body) return;
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const lines = block.split('\n');
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (event && data !== undefined) seen.push({ event, data: JSON.parse(data) });
          for (const w of waiters) w();
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    status: res.status, seen, closed,
    abort: () => ac.abort(),
    next(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = seen.find(match);
          if (hit) {
            waiters.delete(check);
            clearTimeout(t);
            resolve(hit);
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching SSE message in ${timeoutMs} ms; seen: ${JSON.stringify(seen.map((e) => e.event))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
