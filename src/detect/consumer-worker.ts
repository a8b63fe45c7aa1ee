// The worker-thread side of DetectConsumerThread (consumer-thread.ts): its own connection pool
// to the PostgreSQL database, the same DetectConsumer the server runs in-process, and its events
// (alerts, containments) posted to the parent, which publishes them on the server's
// BrokerEvents. Messages in: `kick`, `idle` (answered with the same id), `close`.
import { parentPort, workerData } from 'node:worker_threads';
import { BrokerEvents, type BrokerEvent } from '../access/events.js';
import { systemClock } from '../shared/clock.js';
import { openStore } from '../store/store.js';
import type { DetectConfig } from './config.js';
import type { DetectDb } from './containment.js';
import { DetectConsumer } from './consumer.js';
import { AlertWebhook } from './webhook.js';

/** What the parent passes. */
export interface ConsumerWorkerData {
  readonly databaseUrl: string;
  readonly config: DetectConfig;
  readonly webhookUrl: string | undefined;
}

/** Events of the worker, posted to the parent instead of delivered here. */
class ForwardingEvents extends BrokerEvents {
  override publish(event: BrokerEvent): void {
    parentPort?.postMessage({ type: 'event', event });
  }
}

const data = workerData as ConsumerWorkerData;
const store = await openStore({ databaseUrl: data.databaseUrl, migrate: false, poolSize: 2 });
const consumer = new DetectConsumer({
  db: store.db as DetectDb, events: new ForwardingEvents(), config: data.config, clock: systemClock,
  webhook: data.webhookUrl ? new AlertWebhook({ url: data.webhookUrl }) : undefined,
});
parentPort?.on('message', (m: { type: 'kick' } | { type: 'idle'; id: number } | { type: 'close'; id: number }) => {
  if (m.type === 'kick') consumer.kick();
  else if (m.type === 'idle') void consumer.idle().then(() => parentPort?.postMessage({ type: 'idle', id: m.id }));
  else if (m.type === 'close') {
    void consumer.idle().then(() => store.close()).finally(() => {
      parentPort?.postMessage({ type: 'closed', id: m.id });
      parentPort?.close();
    });
  }
});
parentPort?.postMessage({ type: 'ready' });
