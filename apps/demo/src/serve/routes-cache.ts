import { scopeOfKey } from '@cache/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServiceContext } from './context.js';
import { dashboardHtml } from './dashboard.js';
import { errorBody } from './openai-format.js';
import { describeIssues } from './openai-schema.js';

const feedbackBody = z
  .object({
    id: z.string().min(1).max(128).optional(),
    key: z
      .string()
      .max(256)
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
      .max(128)
      .regex(/^[0-9a-zA-Z_-]+$/, 'scope must be a scope hash')
      .optional(),
    all: z.enum(['true', '1']).optional(),
  })
  .strict()
  .refine((q) => (q.scope === undefined) !== (q.all === undefined), {
    message: 'give ?scope=<hash> (the x-cache-scope header) or ?all=true',
  });

/**
 * Registers `/metrics`, `/cache/stats`, `/cache/feedback`, `DELETE /cache` and the dashboard.
 * Metrics, stats, the dashboard and clearing everything need the admin token; a tenant may
 * clear and report wrong answers of its own scopes only.
 */
export function cacheRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/metrics', async (req, reply) => {
    if (!admitAdmin(ctx, req, reply)) return reply;
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  app.get('/cache/stats', async (req, reply) => {
    if (!admitAdmin(ctx, req, reply)) return reply;
    return {
      backends: ctx.description,
      uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
      ...ctx.cache.metrics(),
    };
  });

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
    if (!admitOwner(ctx, req, reply, scopeOfKey(key), 'report a wrong answer of')) return reply;
    if (!admitStores(ctx, reply)) return reply;
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
    const scope = parsed.data.scope;
    if (scope === undefined) {
      if (!admitAdmin(ctx, req, reply)) return reply;
    } else if (!admitOwner(ctx, req, reply, scope, 'clear')) return reply;
    if (!admitStores(ctx, reply)) return reply;
    await ctx.cache.clear(scope);
    return { cleared: scope ?? 'all' };
  });

  app.get('/', async (req, reply) => {
    if (ctx.adminToken === undefined) return refuse(ctx, reply, 403, adminOff);
    return reply.type('text/html; charset=utf-8').send(dashboardHtml());
  });
}

const adminOff =
  'admin routes are off: start the service with CACHE_ADMIN_TOKEN set to enable /metrics, /cache/stats, the dashboard and DELETE /cache?all=true';

/** True for the admin; otherwise answers 401 (no or another key) or 403 (routes off). */
function admitAdmin(ctx: ServiceContext, req: FastifyRequest, reply: FastifyReply): boolean {
  if (ctx.adminToken === undefined) return refuse(ctx, reply, 403, adminOff);
  if (req.caller.kind === 'key' && req.caller.admin) return true;
  return refuse(
    ctx,
    reply,
    401,
    'this is an admin route: send Authorization: Bearer <CACHE_ADMIN_TOKEN>',
    'admin_token',
  );
}

/** True for the admin and for the tenant `scope` belongs to; otherwise 401 or 403. */
function admitOwner(
  ctx: ServiceContext,
  req: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  action: string,
): boolean {
  const caller = req.caller;
  if (caller.kind !== 'key') {
    return refuse(
      ctx,
      reply,
      401,
      `send Authorization: Bearer <API key> to ${action} your entries; anonymous callers own none`,
      'unauthorized',
    );
  }
  if (caller.admin || ctx.owners.owns(caller.tenant, scope)) return true;
  return refuse(
    ctx,
    reply,
    403,
    `scope ${scope} is not one of your API key's: you may ${action} only entries of scopes this service answered for your key (the x-cache-scope header); the admin token may ${action} any`,
    'forbidden',
  );
}

/** True unless a store's circuit is open (then 503 at once, instead of waiting for it to fail). */
function admitStores(ctx: ServiceContext, reply: FastifyReply): boolean {
  const open = Object.entries(ctx.cache.metrics().circuits)
    .filter(([component, state]) => state === 'open' && component !== 'embedder')
    .map(([component]) => component);
  if (open.length === 0) return true;
  ctx.metrics.error(open[0] as string);
  return refuse(
    ctx,
    reply,
    503,
    `the ${open.join(' and ')} store is unavailable (its circuit breaker is open after repeated failures); nothing was changed, retry once it is back`,
  );
}

function refuse(
  ctx: ServiceContext,
  reply: FastifyReply,
  status: number,
  message: string,
  reason?: string,
): false {
  ctx.metrics.httpError(status);
  if (reason !== undefined) ctx.metrics.rejected(reason);
  const type =
    status === 401
      ? 'authentication_error'
      : status === 403
        ? 'permission_error'
        : 'service_unavailable';
  void reply.code(status).send(errorBody(message, type));
  return false;
}
