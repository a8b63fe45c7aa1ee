// Text downloads of the incident API (blast-radius exports, the evidence bundle, the report):
// fetched with the session cookie, errors turned into ApiError like every other call, and
// saved under the server's file name. The bytes are saved exactly as received — the evidence
// bundle is verified byte for byte.
import { fetchText } from '../api/fetch-text';

export { fetchText };

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
