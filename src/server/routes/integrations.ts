// The routes of the integrations module (issue 12), each plugin in its own encapsulated scope
// with its own authentication: the exchange's customer sync (service token), the helpdesk
// webhooks (signatures) and the security dashboard's integration status (agent session).
// GET /metrics is installed on the root instance (src/server/metrics-route.ts).
import type { FastifyPluginAsync } from 'fastify';
import type { Runtime } from '../runtime.js';
import { adminCustomerRoutes } from './admin-customers.js';
import { helpdeskRoutes } from './helpdesk.js';
import { integrationStatusRoutes } from './integration-status.js';

/** Registers every integration route. */
export function integrationRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    await app.register(adminCustomerRoutes(rt));
    await app.register(helpdeskRoutes(rt));
    await app.register(integrationStatusRoutes(rt));
  };
}
