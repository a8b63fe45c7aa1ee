// The routes of the integrations module (issue 12), each plugin in its own encapsulated scope
// with its own authentication: the exchange's customer sync (service token) and, as they
// land, the helpdesk webhooks (signatures) and /metrics.
import type { FastifyPluginAsync } from 'fastify';
import type { Runtime } from '../runtime.js';
import { adminCustomerRoutes } from './admin-customers.js';
import { helpdeskRoutes } from './helpdesk.js';

/** Registers every integration route. */
export function integrationRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    await app.register(adminCustomerRoutes(rt));
    await app.register(helpdeskRoutes(rt));
  };
}
