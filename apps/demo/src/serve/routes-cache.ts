import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ServiceContext } from './context.js';
import { dashboardHtml } from './dashboard.js';
import { errorBody } from './openai-format.js';
import { describeIssues } from './openai-schema.js';

const feedbackBody = z
  .object({
    id: z.string().min(1).optional(),
    key: z
      .string()
      .regex(/^[^:\s]+:\S+$/, 'key must be an entry key <scope>:<digest>')
      .optional(),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .refine((b) => b.id !== undefined || b.key !== undefined, {
    message: 'give the completion "id" or the entry "key" (x-cache-key header) of the wrong answer',
  });

const clearQuery = z
  .object({
    scope: z
      .string()
      .regex(/^[0-9a-zA-Z_-]+$/, 'scope must be a scope hash')
      .optional(),
    all: z.enum(['true', '1']).optional(),
  })
  .strict()
  .refine((q) => (q.scope === undefined) !== (q.all === undefined), {
    message: 'give ?scope=<hash> (the x-cache-scope header) or ?all=true',
  });

/** Registers `/metrics`, `/cache/stats`, `/cache/feedback`, `DELETE /cache` and the dashboard. */
export function cacheRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  app.get('/cache/stats', async () => ({
    backends: ctx.description,
    uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
    ...ctx.cache.metrics(),
  }));

  app.post('/cache/feedback', async (req, reply) => {
    const parsed = feedbackBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      ctx.metrics.httpError(400);
      return reply
        .code(400)
        .send(
          errorBody(`invalid feedback: ${describeIssues(parsed.error)}`, 'invalid_request_error'),
        );
    }
    const key = parsed.data.key ?? ctx.served.lookup(parsed.data.id ?? '');
    if (key === undefined) {
      ctx.metrics.httpError(404);
      return reply
        .code(404)
        .send(
          errorBody(
            `completion ${parsed.data.id} was not served from the cache (or is too old)`,
            'not_found',
          ),
        );
    }
    const removed = await ctx.cache.reportWrongHit(key);
    if (parsed.data.id) ctx.served.forget(parsed.data.id);
    ctx.metrics.wrongHit();
    req.log.info({ key, removed }, 'wrong hit reported');
    return { key, removed };
  });

  app.delete('/cache', async (req, reply) => {
    const parsed = clearQuery.safeParse(req.query ?? {});
    if (!parsed.success) {
      ctx.metrics.httpError(400);
      return reply
        .code(400)
        .send(errorBody(`invalid clear: ${describeIssues(parsed.error)}`, 'invalid_request_error'));
    }
    await ctx.cache.clear(parsed.data.scope);
    return { cleared: parsed.data.scope ?? 'all' };
  });

  app.get('/', async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(dashboardHtml(ctx.description)),
  );
}
