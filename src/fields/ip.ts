// IP address parsing for masking: IPv4 dotted quads and IPv6 (with `::`, a zone and an embedded
// IPv4 tail). RFC 4291 §2.2 text forms. Pure string handling; no RegExp built from input.

/** A parsed address: four octets (IPv4, including IPv4-mapped IPv6) or eight 16-bit groups. */
export type ParsedIp = { readonly v: 4; readonly octets: readonly number[] } | { readonly v: 6; readonly groups: readonly number[] };

const DEC = /^[0-9]{1,3}$/;
const HEX = /^[0-9a-fA-F]{1,4}$/;

/** Parses a dotted-quad IPv4 address into four octets, or null. Leading zeros are accepted. */
export function parseIpv4(text: string): readonly number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => DEC.test(p))) return null;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

/** Parses an IPv6 address (RFC 4291 §2.2 forms 1–3, optional `%zone`) into eight groups, or null. */
export function parseIpv6(text: string): readonly number[] | null {
  const noZone = text.split('%')[0] ?? '';
  const halves = noZone.split('::');
  if (halves.length > 2) return null;
  const side = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return null;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else if (HEX.test(p)) {
        out.push(parseInt(p, 16));
      } else return null;
    }
    return out;
  };
  const head = side(halves[0] ?? '');
  const tail = halves.length === 2 ? side(halves[1] ?? '') : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const gap = 8 - head.length - tail.length;
  return gap >= 1 ? [...head, ...new Array<number>(gap).fill(0), ...tail] : null;
}

/** Parses either family; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is returned as IPv4. */
export function parseIp(text: string): ParsedIp | null {
  const t = text.trim();
  const v4 = parseIpv4(t);
  if (v4) return { v: 4, octets: v4 };
  const g = parseIpv6(t);
  if (!g) return null;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return { v: 4, octets: [(g[6] as number) >> 8, (g[6] as number) & 255, (g[7] as number) >> 8, (g[7] as number) & 255] };
  }
  return { v: 6, groups: g };
}
