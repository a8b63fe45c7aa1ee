// Text downloads of the incident API (blast-radius exports, the evidence bundle, the report):
// fetched with the session cookie, errors turned into ApiError like every other call, and
// saved under the server's file name. The bytes are saved exactly as received — the evidence
// bundle is verified byte for byte.
import { ApiError } from '../api/client';

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

/** Offers `text` as a file named `filename` (a Blob URL, revoked right after). */
export function saveText(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Fetches `url` and saves it (the server's file name, else `fallback`). Returns the text. */
export async function download(url: string, fallback: string): Promise<string> {
  const r = await fetchText(url);
  saveText(r.text, r.filename ?? fallback, r.type);
  return r.text;
}
