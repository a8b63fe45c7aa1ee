// How the server is reached (issue 10.9): whether to believe a reverse proxy's X-Forwarded-*
// headers (Fastify's `trustProxy`: the client address for rate limits and fingerprints, the
// protocol for Secure cookies and HSTS, the host for the same-origin check), and an optional TLS
// listener from a certificate and key in PEM files.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

/** Fastify's `trustProxy`: false (default), true (every hop: only when the proxy is the sole
 *  way in), a hop count, or comma-separated proxy addresses / CIDR ranges. */
export type TrustProxy = boolean | number | string;

/** The certificate chain and private key of the TLS listener (PEM). */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

const CIDR = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/;

/** Parses KEYHOLE_TRUST_PROXY: unset, `false` or `0` → false; `true` → true; a number → that many
 *  hops; otherwise a comma-separated list of IP addresses or CIDR ranges.
 *  @throws Error on an entry that is neither (a typo must not silently trust nobody or everybody). */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const v = (value ?? '').trim();
  if (v === '' || v === 'false' || v === '0') return false;
  if (v === 'true') return true;
  if (/^\d{1,2}$/.test(v)) return Number(v);
  const entries = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const e of entries) {
    const m = CIDR.exec(e);
    const ok = m ? isIP(m[1] as string) !== 0 && Number(m[2]) <= (isIP(m[1] as string) === 4 ? 32 : 128) : isIP(e) !== 0;
    if (!ok) throw new Error(`KEYHOLE_TRUST_PROXY: "${e}" is not an IP address or CIDR range (use true, a hop count, or addresses)`);
  }
  return entries.join(',');
}

/** The TLS files named by KEYHOLE_TLS_CERT_FILE and KEYHOLE_TLS_KEY_FILE, or undefined when
 *  neither is set. @throws Error when only one is set or a file cannot be read. */
export function tlsFromEnv(env: NodeJS.ProcessEnv): TlsFiles | undefined {
  const certFile = env.KEYHOLE_TLS_CERT_FILE || undefined;
  const keyFile = env.KEYHOLE_TLS_KEY_FILE || undefined;
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) throw new Error('set both KEYHOLE_TLS_CERT_FILE and KEYHOLE_TLS_KEY_FILE, or neither');
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}
