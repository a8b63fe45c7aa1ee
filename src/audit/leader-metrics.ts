// Leadership of the log as Prometheus metrics (issue 18 part 2), in prom-client's default
// registry, which /metrics exposes: whether this instance leads, and how often that changed.
import client from 'prom-client';

const leaderGauge = new client.Gauge({ name: 'keyhole_log_leader', help: '1 while this instance leads the audit log integration, else 0.' });
const changes = new client.Counter({
  name: 'keyhole_log_leadership_changes_total', help: 'Times this instance became or stopped being the log leader.', labelNames: ['to'] as const,
});
leaderGauge.set(0);

/** Records a change of this instance's leadership and logs it on stderr (operators' log
 *  collection): `instanceId` names the instance, `epoch` the lease when known. */
export function leadershipChanged(leader: boolean, instanceId: string, epoch: number | undefined): void {
  leaderGauge.set(leader ? 1 : 0);
  changes.inc({ to: leader ? 'leader' : 'follower' });
  console.error(`keyhole: ${JSON.stringify({ event: 'log_leadership', instance: instanceId, leader, epoch: epoch ?? null })}`);
}
