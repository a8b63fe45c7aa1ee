// GET as text with the session cookie (the log's note formats, exports, the evidence bundle),
// errors turned into ApiError like every JSON call.
import { ApiError } from './client';

/** GETs `url` as text. @throws ApiError with the API's code and message. */
export async function fetchText(url: string): Promise<{ readonly text: string; readonly type: string; readonly filename: string | null }> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The Keyhole server cannot be reached. Check your connection and try again.');
  }
  const text = await res.text();
  if (!res.ok) {
    let err: { code?: string; message?: string } | undefined;
    try {
      err = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    } catch {
      err = undefined;
    }
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `The server answered ${res.status}.`);
  }
  const disposition = res.headers.get('content-disposition') ?? '';
  return { text, type: res.headers.get('content-type') ?? 'text/plain', filename: /filename="([^"]+)"/.exec(disposition)?.[1] ?? null };
}
