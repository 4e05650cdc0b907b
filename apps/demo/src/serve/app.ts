import type { SemanticCacheApi } from '@cache/core';
import cors from '@fastify/cors';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { CACHE_HEADERS } from './cache-headers.js';
import type { ServiceContext } from './context.js';
import { type Prices, ServiceMetrics } from './metrics.js';
import { errorBody } from './openai-format.js';
import { cacheRoutes } from './routes-cache.js';
import { chatRoutes } from './routes-chat.js';
import { responsesRoutes } from './routes-responses.js';
import { type ServiceRoutesOptions, serviceRoutes } from './routes-service.js';
import { ServedKeys } from './served-keys.js';

/** Options of {@link buildService}. */
export interface ServiceOptions extends ServiceRoutesOptions {
  /** The cache in front of the model (it owns stores, embedder and model). */
  cache: SemanticCacheApi;
  /** The chosen backends, shown on the dashboard and in stats. */
  description: string;
  /** Upper bound on answering one completion, ms. Default 30 s. */
  modelTimeoutMs?: number;
  /** Largest request body in bytes; larger ones get 413. Default 1 MiB. */
  bodyLimit?: number;
  /** Token prices for the cost-saved metric. Default 0. */
  prices?: Prices;
  /** Log requests (pino, to stdout). Default false. */
  logger?: boolean;
  /** Also export Node process metrics. Default true. */
  processMetrics?: boolean;
  /** Answer CORS preflights: `true` for any origin, or the allowed origins. Default off. */
  cors?: boolean | string[];
}

/**
 * Builds the OpenAI-compatible caching service (not yet listening). The `Authorization` header
 * is redacted from logs: only a hash of the key ever reaches the cache.
 */
export function buildService(options: ServiceOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    logger: options.logger ? { redact: ['req.headers.authorization'] } : false,
  });
  const ctx: ServiceContext = {
    cache: options.cache,
    description: options.description,
    metrics: new ServiceMetrics(
      options.prices ?? { promptTokenCost: 0, completionTokenCost: 0 },
      options.processMetrics ?? true,
    ),
    served: new ServedKeys(),
    modelTimeoutMs: options.modelTimeoutMs ?? 30_000,
    startedAt: Date.now(),
  };
  app.setErrorHandler((error: FastifyError, req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    ctx.metrics.httpError(status);
    let message = error.message;
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
      message = `malformed JSON in the request body: ${error.message}`;
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      message = `request body larger than the limit of ${app.initialConfig.bodyLimit} bytes`;
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      message = 'send the body as application/json';
    }
    if (status >= 500) req.log.error({ err: error.message }, 'request failed');
    return reply
      .code(status)
      .send(
        errorBody(
          message,
          status >= 500 ? 'server_error' : 'invalid_request_error',
          error.code ?? null,
        ),
      );
  });
  app.setNotFoundHandler((req, reply) => {
    ctx.metrics.httpError(404);
    return reply.code(404).send(errorBody(`no route ${req.method} ${req.url}`, 'not_found'));
  });
  if (options.cors) {
    void app.register(cors, { origin: options.cors, exposedHeaders: CACHE_HEADERS });
  }
  chatRoutes(app, ctx, options.upstream);
  responsesRoutes(app, ctx, options.upstream);
  serviceRoutes(app, ctx, options);
  cacheRoutes(app, ctx);
  return app;
}
