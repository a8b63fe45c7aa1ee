// Non-secret fingerprints of where a request comes from, for the context detectors: the caller's
// network (IPv4 /24, IPv6 /48) and device (the User-Agent), each as a short SHA-256 prefix. They
// tell "new to this agent" apart from "seen before"; they identify nothing on their own.
import { createHash } from 'node:crypto';

const short = (label: string, value: string) => createHash('sha256').update(`keyhole-${label}|${value}`).digest('hex').slice(0, 16);

/** The network part of `ip` (attacker-influenced via proxies; used only as an opaque key). */
export function networkOf(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  const groups = ip.split(':').slice(0, 3);
  return `${groups.join(':')}::/48`;
}

/** The fingerprints of a request from `ip` with `userAgent` (16 hex digits each). */
export function clientFingerprint(ip: string, userAgent: string | undefined): { readonly net: string; readonly dev: string } {
  return { net: short('net', networkOf(ip)), dev: short('dev', (userAgent ?? '').slice(0, 256)) };
}
