// Detectors contain; incidents follow. The detect module sits below incident (DESIGN.md module
// map) and only records a containment; this listener turns each automatic containment, as it
// appears on the event stream after commit, into an incident with `source: 'detector'`.
import type { BrokerEvents } from '../access/events.js';
import type { IncidentDeps } from './model.js';
import { openIncident } from './open-incident.js';

/** Subscribes to `events` and opens one incident per detector containment (an `agent_suspend`
 *  record with `details.by === 'detect'`). Failures are reported to `onError` and never thrown
 *  into the publisher. Returns the unsubscribe function. */
export function openIncidentsOnContainment(events: BrokerEvents, deps: IncidentDeps, onError: (e: unknown) => void = () => undefined): () => void {
  return events.subscribe((e) => {
    if (e.type !== 'audit' || e.record.action !== 'agent_suspend' || e.record.details.by !== 'detect') return;
    const target = e.record.details.target;
    const containmentId = e.record.details.containmentId;
    if (typeof target !== 'string') return;
    openIncident(deps, { kind: 'system', name: 'detector', requestId: e.record.requestId }, {
      agentIds: [target], reason: e.record.reason ?? 'automatic containment', source: 'detector',
      containmentId: typeof containmentId === 'string' ? containmentId : null,
      contain: false, // the detector's containment already suspended the agent, revoked and ended everything
    }).catch(onError);
  });
}
