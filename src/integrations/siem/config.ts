// SIEM sinks from a YAML file (KEYHOLE_SIEM_CONFIG); secrets (HEC tokens, HTTP auth headers)
// come from environment variables the file names, never from the file itself.
//   sinks:
//     - { name: soc-syslog, type: syslog, url: "tls://siem.example:6514", caFile: /etc/keyhole/siem-ca.pem }
//     - { name: splunk, type: splunk_hec, url: "https://splunk.example:8088/services/collector/event", tokenEnv: KEYHOLE_SPLUNK_HEC_TOKEN }
//     - { name: lake, type: http, url: "https://collector.example/keyhole", headersEnv: { authorization: KEYHOLE_LAKE_AUTH } }
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { KeyholeError } from '../../shared/errors.js';
import { HttpSink } from './http-sink.js';
import type { SiemSink } from './sink.js';
import { SyslogSink } from './syslog-sink.js';

const Name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/);
const Sink = z.discriminatedUnion('type', [
  z.strictObject({ name: Name, type: z.literal('syslog'), url: z.string().regex(/^(tcp|tls):\/\/[^/]+:[0-9]{1,5}$/), caFile: z.string().optional(), servername: z.string().optional() }),
  z.strictObject({ name: Name, type: z.literal('http'), url: z.url(), headersEnv: z.record(z.string(), z.string()).default({}) }),
  z.strictObject({ name: Name, type: z.literal('splunk_hec'), url: z.url(), tokenEnv: z.string() }),
]);
const File = z.strictObject({ sinks: z.array(Sink).default([]), batchSize: z.number().int().min(1).max(10_000).default(500), pollMs: z.number().int().min(10).max(60_000).default(1000) });

/** The parsed SIEM settings. */
export type SiemConfig = z.infer<typeof File>;

/** Reads KEYHOLE_SIEM_CONFIG (none configured → no sinks).
 *  @throws KeyholeError BAD_REQUEST when the file is unreadable or invalid, or names a secret
 *  variable that is not set. */
export function siemConfigFromEnv(env: NodeJS.ProcessEnv): SiemConfig {
  const path = env.KEYHOLE_SIEM_CONFIG?.trim();
  if (!path) return { sinks: [], batchSize: 500, pollMs: 1000 };
  try {
    return File.parse(parseYaml(readFileSync(path, 'utf8')) ?? {});
  } catch (cause) {
    throw new KeyholeError('BAD_REQUEST', `KEYHOLE_SIEM_CONFIG ${path} is not a valid SIEM configuration.`, { cause });
  }
}

function secret(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new KeyholeError('BAD_REQUEST', `The SIEM configuration names ${name}, which is not set.`);
  return v;
}

/** The sinks of `cfg`. */
export function sinksOf(cfg: SiemConfig, env: NodeJS.ProcessEnv): SiemSink[] {
  return cfg.sinks.map((s) => {
    if (s.type === 'syslog') {
      const u = new URL(s.url.replace(/^(tcp|tls):/, 'http:'));
      return new SyslogSink(s.name, { host: u.hostname, port: Number(u.port), tls: s.url.startsWith('tls:'), ca: s.caFile ? readFileSync(s.caFile, 'utf8') : undefined, servername: s.servername });
    }
    if (s.type === 'splunk_hec') return new HttpSink(s.name, { url: s.url, format: 'splunk_hec', token: secret(env, s.tokenEnv) });
    return new HttpSink(s.name, { url: s.url, format: 'ndjson', headers: Object.fromEntries(Object.entries(s.headersEnv).map(([h, v]) => [h, secret(env, v)])) });
  });
}
