// The forensic mark's server side: the console reports a removed or altered mark
// (`watermark_tamper` on the log), and the security team uploads a leaked picture to learn which
// session showed it. docs/design/watermark.md.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { newId } from '../../access/ids.js';
import { appendAudit } from '../../audit/append.js';
import type { BrokerDb } from '../../access/model.js';
import { KeyholeError } from '../../shared/errors.js';
import { identifyMark } from '../../watermark/identify.js';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses } from '../schemas.js';

/** What the console saw happen to the mark: its element removed, its style or class changed,
 *  or it computed to invisible (display, visibility, opacity, background) — e.g. a stylesheet
 *  injected from the developer tools. */
export const TAMPER_KINDS = ['removed', 'restyled', 'hidden'] as const;

/** Largest picture accepted for identification: 8 MiB, base64 in JSON. */
const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

const ProvedRecordSchema = z.object({
  seq: z.number(),
  record: z.object({
    time: z.string(), action: z.string(), agentId: z.string().nullable(), customerId: z.string().nullable(), ticketId: z.string().nullable(),
    decision: z.string(), fields: z.record(z.string(), z.string()),
  }),
  proof: z.string().nullable(),
});

const IdentifyResponse = z.object({
  marks: z.array(z.object({ sessionCode: z.string(), slot: z.number() })),
  identifications: z.array(z.object({
    sessionCode: z.string(), slot: z.number(),
    agent: z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable(), role: z.string().nullable() }),
    session: z.object({ startedAt: z.string(), endsAt: z.string(), start: ProvedRecordSchema }),
    windows: z.array(z.object({ from: z.string(), to: z.string() })),
    records: z.array(ProvedRecordSchema),
    tickets: z.array(z.string()),
    customers: z.array(z.string()),
  })),
});

/** Registers POST /v1/watermark/tamper (any agent) and POST /v1/security/watermark/identify
 *  (security team), inside the authenticated scope. */
export function watermarkRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/v1/watermark/tamper', {
      schema: {
        tags: ['session'], summary: 'Report that the forensic mark of this page was removed or altered (recorded on the log)',
        body: z.strictObject({ kind: z.enum(TAMPER_KINDS) }), response: { 204: z.null(), ...errorResponses },
      },
    }, async (req, reply) => {
      const ctx = ctxOf(req);
      await rt.db.transaction().execute(async (tx) => {
        const trx: BrokerDb = tx;
        await appendAudit(trx, {
          v: 1, time: rt.clock.now().toISOString(), requestId: newId('req'), action: 'watermark_tamper', agentId: ctx.agent.id, customerId: null, ticketId: null,
          decision: 'allow', fields: {}, policyIds: [], reason: null,
          details: { kind: req.body.kind, net: ctx.client?.net ?? null, dev: ctx.client?.dev ?? null, sess: ctx.client?.session ?? null },
        });
      });
      return reply.status(204).send(null);
    });

    app.post('/v1/security/watermark/identify', {
      bodyLimit: Math.ceil(MAX_IMAGE_BYTES * 4 / 3) + 1024,
      schema: {
        tags: ['security'], summary: 'Identify the session that showed a leaked screenshot or photo (security team)',
        body: z.strictObject({ image: z.base64().max(Math.ceil(MAX_IMAGE_BYTES * 4 / 3)).describe('The picture, base64 (PNG, JPEG or WebP)') }),
        response: { 200: IdentifyResponse, ...errorResponses },
      },
    }, async (req) => {
      if (ctxOf(req).agent.role !== 'security') throw new KeyholeError('FORBIDDEN', 'Only the security team may identify leaked pictures.');
      let marks;
      try {
        // sharp (libvips) and the 2-D code reader load on the first identification, not at
        // start-up: they are ~30 MB of resident memory that most instances never use.
        const { decodeMarks } = await import('../../watermark/decode.js');
        marks = await decodeMarks(Buffer.from(req.body.image, 'base64'));
      } catch {
        throw new KeyholeError('IMAGE_UNREADABLE');
      }
      const identifications = (await Promise.all(marks.map((m) => identifyMark(rt.db, m)))).flat();
      // Readonly arrays of identifyMark, the same shape.
      return { marks, identifications } as unknown as z.infer<typeof IdentifyResponse>;
    });
  };
}
