// Detection as the runtime wires it: the in-line guard for the broker, the log consumer that
// runs after each integration batch, and the alert webhook (KEYHOLE_ALERT_WEBHOOK), with the
// configuration from KEYHOLE_DETECT_CONFIG. docs/design/detect.md.
import type { BrokerEvents } from '../access/events.js';
import type { Clock } from '../shared/clock.js';
import { loadDetectConfig, type DetectConfig } from './config.js';
import type { DetectDb } from './containment.js';
import { DetectConsumer } from './consumer.js';
import { DetectGuard } from './guard.js';
import { AlertWebhook } from './webhook.js';

/** The parts of detection a runtime holds. */
export interface Detection {
  readonly config: DetectConfig;
  readonly guard: DetectGuard;
  readonly consumer: DetectConsumer;
  readonly webhook: AlertWebhook | undefined;
}

/** Builds detection over `db`. `env` supplies KEYHOLE_DETECT_CONFIG and KEYHOLE_ALERT_WEBHOOK.
 *  @throws Error when KEYHOLE_DETECT_CONFIG is invalid (start-up stops). */
export function createDetection(db: DetectDb, clock: Clock, events: BrokerEvents, env: Readonly<Record<string, string | undefined>>, config?: DetectConfig): Detection {
  const cfg = config ?? loadDetectConfig(env.KEYHOLE_DETECT_CONFIG);
  const url = env.KEYHOLE_ALERT_WEBHOOK;
  const webhook = url ? new AlertWebhook({ url }) : undefined;
  return {
    config: cfg,
    guard: new DetectGuard({ db, clock, events, config: cfg }),
    consumer: new DetectConsumer({ db, events, config: cfg, clock, webhook }),
    webhook,
  };
}
