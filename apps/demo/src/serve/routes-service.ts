import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from './context.js';
import { messageOf } from './errors.js';
import { forward, type Upstream } from './upstream.js';

/** What `/v1/models` and `/readyz` need to know besides the cache. */
export interface ServiceRoutesOptions {
  /** The OpenAI-compatible upstream, whose model list `/v1/models` passes on. */
  upstream?: Upstream;
  /** Model ids `/v1/models` lists without an upstream (the stand-in's or Ollama's). */
  models?: readonly string[];
  /**
   * Readiness checks of the configured servers (Redis, PostgreSQL, Qdrant...): each resolves
   * undefined when reachable, else why not.
   */
  readiness?: Record<string, () => Promise<string | undefined>>;
}

/**
 * Registers `GET /v1/models` (the upstream's list, or the configured ids), `GET /healthz` (the
 * process answers) and `GET /readyz` (each configured server reachable; `degraded` while one is
 * not, the service then answering from the model, fail-open).
 */
export function serviceRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  options: ServiceRoutesOptions,
): void {
  const upstream = options.upstream;
  const created = Math.floor(ctx.startedAt / 1000);
  const model = (id: string) => ({ id, object: 'model', created, owned_by: 'semantic-llm-cache' });

  app.get('/v1/models', async (req, reply) => {
    if (upstream !== undefined) {
      return forward(
        upstream,
        'GET',
        '/models',
        req,
        reply,
        undefined,
        {},
        AbortSignal.timeout(ctx.modelTimeoutMs),
      );
    }
    return { object: 'list', data: (options.models ?? []).map(model) };
  });

  app.get<{ Params: { id: string } }>('/v1/models/:id', async (req, reply) => {
    if (upstream !== undefined) {
      const path = `/models/${encodeURIComponent(req.params.id)}`;
      return forward(
        upstream,
        'GET',
        path,
        req,
        reply,
        undefined,
        {},
        AbortSignal.timeout(ctx.modelTimeoutMs),
      );
    }
    if (!(options.models ?? []).includes(req.params.id)) {
      return reply.code(404).send({
        error: {
          message: `The model '${req.params.id}' does not exist`,
          type: 'invalid_request_error',
          param: null,
          code: 'model_not_found',
        },
      });
    }
    return model(req.params.id);
  });

  app.get('/healthz', async () => ({
    status: 'ok',
    uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
  }));

  app.get('/readyz', async () => {
    const checks: Record<string, string> = {};
    let degraded = false;
    await Promise.all(
      Object.entries(options.readiness ?? {}).map(async ([name, check]) => {
        const problem = await check().catch((error: unknown) => messageOf(error));
        // Any caller may ask: the answer names the component, never where it lives.
        checks[name] = problem === undefined ? 'ok' : messageOf(problem);
        if (problem !== undefined) degraded = true;
      }),
    );
    return {
      status: degraded ? 'degraded' : 'ready',
      ...(degraded
        ? { note: 'serving from the model without the unreachable stores (fail-open)' }
        : {}),
      checks,
      failures: ctx.cache.metrics().errors,
    };
  });
}
