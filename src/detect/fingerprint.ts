// Non-secret fingerprints of where a request comes from, for the context and session-binding
// detectors: the caller's network (IPv4 /24, IPv6 /48 of the client address — behind a proxy
// trusted by KEYHOLE_TRUST_PROXY, the X-Forwarded-For client, src/server/transport.ts) and
// device (the server-issued device cookie, src/identity/device.ts; never the User-Agent, which a
// cookie thief copies), each as a short SHA-256 prefix. They tell "new" apart from "seen before";
// they identify nothing on their own.
import { createHash } from 'node:crypto';

const short = (label: string, value: string) => createHash('sha256').update(`keyhole-${label}|${value}`).digest('hex').slice(0, 16);

/** The network part of `ip` (attacker-influenced via proxies; used only as an opaque key). */
export function networkOf(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  const groups = ip.split(':').slice(0, 3);
  return `${groups.join(':')}::/48`;
}

/** What stands for the device of a request: the device cookie's id, a bearer token (an API
 *  client has no browser; the token is its key), or nothing (a session cookie presented
 *  without the device cookie it was issued with). */
export type DeviceKey = { readonly cookie: string } | { readonly bearer: true } | undefined;

/** The fingerprints of a request from `ip` with `device` (16 hex digits each). */
export function clientFingerprint(ip: string, device: DeviceKey): { readonly net: string; readonly dev: string } {
  const d = device === undefined ? 'none' : 'cookie' in device ? `cookie:${device.cookie}` : 'bearer';
  return { net: short('net', networkOf(ip)), dev: short('dev', d) };
}
