// Packaging (issue 18 part 5): the Dockerfile's rules (multi-stage, Node 24 base pinned by
// digest, non-root USER, production dependencies only through scripts/release.mjs — which
// test/cluster/release.test.ts runs — data only in a volume); the systemd unit's exposure score
// by `systemd-analyze security --offline=true` (at most 2.0); the Kubernetes manifests against
// the Kubernetes schemas (kubernetes-models) with probes and a restricted security context.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';

/** The V8 flags every release start uses (package.json `config.nodeFlags`, which `npm start` and
 *  bench:startup read): the Dockerfile and the systemd unit must pass the same ones. */
const nodeFlags = (JSON.parse(readFileSync('package.json', 'utf8')) as { config: { nodeFlags: string } }).config.nodeFlags;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('Dockerfile', () => {
  const text = readFileSync('Dockerfile', 'utf8');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const args = new Map(lines.filter((l) => l.startsWith('ARG ')).map((l) => l.slice(4).split('=') as [string, string]));
  const froms = lines.filter((l) => l.startsWith('FROM ')).map((l) => l.slice(5).split(/\s+/)[0]!.replace(/^\$\{(\w+)\}$/, (_, n: string) => args.get(n) ?? ''));
  const finalStage = text.slice(text.lastIndexOf('\nFROM '));

  it('is multi-stage on a Node 24 slim or distroless base pinned by digest', () => {
    assert.ok(froms.length >= 2, 'multi-stage');
    for (const f of froms) {
      assert.match(f, /^(docker\.io\/library\/)?node:24[.\d]*-(bookworm|trixie)-slim@sha256:[0-9a-f]{64}$|^gcr\.io\/distroless\/nodejs24-debian1[23](:[\w.-]+)?@sha256:[0-9a-f]{64}$/, f);
    }
  });
  it('runs as a non-root user, with data only in a volume, and the compiled bin', () => {
    const user = /^USER\s+(\S+)/m.exec(finalStage)?.[1];
    assert.ok(user, 'the final stage sets USER');
    assert.ok(!/^(root|0)(:|$)/.test(user!), `USER ${user} is not root`);
    assert.match(finalStage, /^VOLUME \["\/data"\]/m);
    assert.match(finalStage, /KEYHOLE_DATA_DIR=\/data/);
    const entry = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(finalStage)?.[1] ?? 'null') as string[] | null;
    assert.deepEqual(entry, ['node', ...nodeFlags.split(' '), '/app/bin/keyhole.js'], 'the compiled bin, with package.json config.nodeFlags');
    assert.ok(!/npm (ci|install)/.test(finalStage), 'nothing is installed in the runtime stage');
    assert.match(finalStage, /COPY --from=build [^\n]*\/release \/app/);
  });
  it('installs production dependencies only, through the script the release test runs', () => {
    assert.match(text, /^RUN node scripts\/release\.mjs \/release$/m);
    const script = readFileSync('scripts/release.mjs', 'utf8');
    assert.match(script, /\['ci', '--omit=dev'/, 'release.mjs installs with npm ci --omit=dev');
    const ignore = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const p of ['node_modules', '.keyhole', 'dist']) assert.ok(ignore.includes(p), `.dockerignore has ${p}`);
  });
});

describe('npm start', () => {
  it('starts the release build with the same V8 flags', () => {
    const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
    assert.match(start, / node \$npm_package_config_nodeFlags dist\/cli\/main\.js serve$/);
    assert.match(nodeFlags, /^--max-semi-space-size=\d+$/, 'a bounded young generation (docs/operations.md, sizing)');
  });
});

describe('systemd unit', () => {
  it('scores at most 2.0 with systemd-analyze security --offline=true', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', 'deploy/systemd/keyhole.service'], { encoding: 'utf8' });
    assert.ok(!r.error, `systemd-analyze is installed (Debian package systemd): ${r.error?.message}`);
    const m = /Overall exposure level for keyhole\.service: ([\d.]+)/.exec(r.stdout);
    assert.ok(m, r.stdout.slice(-500) + r.stderr);
    assert.ok(Number(m[1]) <= 2.0, `exposure ${m[1]}`);
    const unit = readFileSync('deploy/systemd/keyhole.service', 'utf8');
    assert.match(unit, new RegExp(`^ExecStart=/usr/bin/node ${escapeRe(nodeFlags)} /opt/keyhole/bin/keyhole\\.js serve$`, 'm'));
    assert.match(unit, /_FILE=%d\//, 'secrets through credentials as <NAME>_FILE');
  });
});

describe('Kubernetes manifests', () => {
  const docs = parseAllDocuments(readFileSync('deploy/kubernetes/keyhole.yaml', 'utf8')).map((d) => d.toJS() as { kind: string });
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);

  it('validate against the Kubernetes schemas', () => {
    const models: Record<string, new (o: never) => { validate(): void }> = { Deployment, PodDisruptionBudget, Service, ConfigMap };
    assert.deepEqual(docs.map((d) => d.kind).sort(), ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service']);
    for (const d of docs) new models[d.kind]!(d as never).validate();
  });
  it('probe /startupz, /livez and /readyz under a restricted security context', () => {
    const dep = new Deployment(byKind('Deployment')[0] as never);
    const pod = dep.spec!.template.spec!;
    const c = pod.containers[0]!;
    assert.equal(c.startupProbe?.httpGet?.path, '/startupz');
    assert.equal(c.livenessProbe?.httpGet?.path, '/livez');
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL']);
    assert.ok((pod.terminationGracePeriodSeconds ?? 30) > 20, 'the grace outlasts KEYHOLE_SHUTDOWN_GRACE_S');
    assert.ok(c.env?.some((e) => e.name === 'KEYHOLE_MASTER_KEY_FILE'), 'secrets as files');
    const pdb = new PodDisruptionBudget(byKind('PodDisruptionBudget')[0] as never);
    assert.deepEqual(pdb.spec?.selector?.matchLabels, dep.spec!.selector.matchLabels);
  });
});
