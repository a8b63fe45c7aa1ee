// Leadership of the log as Prometheus metrics and log lines (issue 18 part 2): whether this
// process leads the integration, and how often that changed. The state is per process; each
// metrics registry that wants it calls registerLeaderMetrics (prom-client's default registry
// has it from the start). docs/operations.md "Topology".
import client, { type Registry } from 'prom-client';

let leading = false;
const changes = { leader: 0, follower: 0 };

/** Adds `keyhole_log_leader` and `keyhole_log_leadership_changes_total` to `registry` (values
 *  read at scrape time from this process's state). */
export function registerLeaderMetrics(registry: Registry): void {
  new client.Gauge({
    name: 'keyhole_log_leader', help: '1 while this instance leads the audit log integration, else 0.', registers: [registry],
    collect() {
      this.set(leading ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'keyhole_log_leadership_changes_total', help: 'Times this instance became (to="leader") or stopped being (to="follower") the log leader.',
    labelNames: ['to'] as const, registers: [registry],
    collect() {
      this.set({ to: 'leader' }, changes.leader);
      this.set({ to: 'follower' }, changes.follower);
    },
  });
}
registerLeaderMetrics(client.register);

/** Records a change of this instance's leadership and logs it on stderr (operators' log
 *  collection) as `{"event":"log_leadership",…}`: `instanceId` names the instance, `epoch` the
 *  lease when known. */
export function leadershipChanged(leader: boolean, instanceId: string, epoch: number | undefined): void {
  leading = leader;
  changes[leader ? 'leader' : 'follower']++;
  console.error(`keyhole: ${JSON.stringify({ event: 'log_leadership', instance: instanceId, leader, epoch: epoch ?? null })}`);
}

/** Whether this process leads now (for tests and status pages). */
export function isLeading(): boolean {
  return leading;
}
