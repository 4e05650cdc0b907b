import { CacheError, type SemanticCacheApi } from '@cache/core';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { type AnonymousPolicy, callerOf, hostAllowed } from './access.js';
import { CACHE_HEADERS } from './cache-headers.js';
import type { ServiceContext } from './context.js';
import { mapError, messageOf } from './errors.js';
import { type Prices, ServiceMetrics } from './metrics.js';
import { errorBody } from './openai-format.js';
import {
  chatFieldProblems,
  DEFAULT_MAX_JSON_DEPTH,
  DEFAULT_MAX_SEMANTIC_PROMPT_CHARS,
  depthExceeds,
  inputChars,
  lastMessageChars,
} from './request-checks.js';
import { BYPASS_HEADER } from './request-options.js';
import { cacheRoutes } from './routes-cache.js';
import { chatRoutes } from './routes-chat.js';
import { responsesRoutes } from './routes-responses.js';
import { type ServiceRoutesOptions, serviceRoutes } from './routes-service.js';
import { ScopeRecordingCache } from './scope-recording-cache.js';
import { ScopeOwners, ServedKeys } from './served-keys.js';

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
  /**
   * Token of the admin routes (`/metrics`, `/cache/stats`, the dashboard, `DELETE
   * /cache?all=true`, any tenant's clear and feedback), sent as `Authorization: Bearer <token>`.
   * Undefined (default): those routes are off (403).
   */
  adminToken?: string;
  /** What chat completions without `Authorization` get. Default `not-cached`. */
  anonymous?: AnonymousPolicy;
  /** Host names the service answers to (Host header, port ignored); others get 421. Default: any. */
  allowedHosts?: readonly string[];
  /** Requests per tenant (per IP for anonymous callers) per window; over it, 429. Default: off. */
  rateLimit?: { max: number; timeWindowMs: number };
  /** Most time to receive a whole request (headers and body), ms; then 408. Default 30 s. */
  requestTimeoutMs?: number;
  /** A connection idle for this long is closed, ms. Default the larger of 60 s and model timeout + 10 s. */
  idleTimeoutMs?: number;
  /** Deepest nesting of arrays and objects accepted in a JSON body; deeper gets 400. Default 64. */
  maxJsonDepth?: number;
  /**
   * Longest last-message text (characters) answered through the cache. A longer prompt is
   * answered by the model without the cache (`x-cache: bypass`, reason in `x-cache-reason`),
   * so embedding and analysing it cannot stall other requests. Default 16,384.
   */
  maxSemanticPromptChars?: number;
}

/**
 * Builds the OpenAI-compatible caching service (not yet listening). The `Authorization` header
 * is redacted from logs: only a hash of the key ever reaches the cache.
 */
export function buildService(options: ServiceOptions): FastifyInstance {
  const modelTimeoutMs = options.modelTimeoutMs ?? 30_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const maxJsonDepth = options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const maxPromptChars = options.maxSemanticPromptChars ?? DEFAULT_MAX_SEMANTIC_PROMPT_CHARS;
  const allowedHosts = (options.allowedHosts ?? []).map((h) => h.toLowerCase());
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    logger: options.logger ? { redact: ['req.headers.authorization'] } : false,
    requestTimeout: requestTimeoutMs,
    connectionTimeout: options.idleTimeoutMs ?? Math.max(60_000, modelTimeoutMs + 10_000),
    // Node checks the request timeout every 30 s by default: a stalled body would linger.
    http: {
      connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
      headersTimeout: Math.min(requestTimeoutMs, 60_000),
    },
  });
  const owners = new ScopeOwners();
  const metrics = new ServiceMetrics(
    options.prices ?? { promptTokenCost: 0, completionTokenCost: 0 },
    options.processMetrics ?? true,
  );
  const ctx: ServiceContext = {
    cache: new ScopeRecordingCache(options.cache, owners),
    description: options.description,
    metrics,
    served: new ServedKeys(),
    owners,
    modelTimeoutMs,
    startedAt: Date.now(),
    adminToken: options.adminToken === '' ? undefined : options.adminToken,
    anonymous: options.anonymous ?? 'not-cached',
  };
  metrics.trackCircuits(() => options.cache.metrics().circuits);

  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    parseJson(req, String(body), (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined);
      if (depthExceeds(value, maxJsonDepth)) {
        const tooDeep = new Error(
          `the JSON body nests arrays/objects deeper than ${maxJsonDepth} levels; flatten it`,
        ) as FastifyError;
        tooDeep.statusCode = 400;
        tooDeep.code = 'JSON_TOO_DEEP';
        return done(tooDeep, undefined);
      }
      done(null, value);
    });
  });

  app.addHook('onRequest', async (req, reply) => {
    // Every route, plain or streamed: a response closed before it finished lost its client.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) metrics.clientDisconnected();
    });
    if (!hostAllowed(req.headers.host, allowedHosts)) {
      metrics.httpError(421);
      metrics.rejected('host');
      return reply
        .code(421)
        .send(errorBody('this service does not answer for that Host', 'invalid_request_error'));
    }
    const who = callerOf(req.headers.authorization, ctx.adminToken);
    if (who.problem !== undefined) {
      metrics.httpError(401);
      metrics.rejected('unauthorized');
      return reply.code(401).send(errorBody(who.problem, 'authentication_error'));
    }
    req.caller = who.caller;
  });

  app.addHook('preHandler', async (req, reply) => {
    if (req.method !== 'POST') return;
    const route = req.routeOptions.url;
    if (route !== '/v1/chat/completions' && route !== '/v1/responses') return;
    const problems = route === '/v1/chat/completions' ? chatFieldProblems(req.body) : [];
    if (problems.length > 0) {
      metrics.httpError(400);
      return reply
        .code(400)
        .send(errorBody(`invalid request: ${problems.join('; ')}`, 'invalid_request_error'));
    }
    let notCached: [reason: string, why: string] | undefined;
    if (req.caller.kind === 'anonymous') {
      if (ctx.anonymous === 'rejected') {
        metrics.httpError(401);
        metrics.rejected('anonymous');
        return reply
          .code(401)
          .send(
            errorBody(
              'this service needs an API key: send Authorization: Bearer <API key>',
              'authentication_error',
            ),
          );
      }
      if (ctx.anonymous === 'not-cached') {
        notCached = ['anonymous', 'anonymous request (send an API key to use the cache)'];
      }
    }
    const chars =
      route === '/v1/chat/completions' ? lastMessageChars(req.body) : inputChars(req.body);
    if (chars > maxPromptChars) {
      notCached = [
        'prompt_too_long',
        `prompt of ${chars} characters is longer than the ${maxPromptChars} the cache takes (CACHE_MAX_SEMANTIC_PROMPT_CHARS)`,
      ];
    }
    if (notCached !== undefined) {
      metrics.notCached(notCached[0]);
      req.headers[BYPASS_HEADER] = 'true';
      req.notCachedReason = notCached[1];
      // On the raw response, so a hijacked (streamed) answer carries it too.
      reply.raw.setHeader('x-cache-reason', notCached[1]);
    }
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    const mapped = error instanceof CacheError ? mapError(error, false) : undefined;
    const status =
      mapped?.status ?? (error.statusCode && error.statusCode >= 400 ? error.statusCode : 500);
    metrics.httpError(status);
    if (mapped?.component) metrics.error(mapped.component);
    let message = status >= 500 ? messageOf(error) : (error.message ?? String(error));
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
      message = `malformed JSON in the request body: ${error.message}`;
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      message = `request body larger than the limit of ${app.initialConfig.bodyLimit} bytes`;
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      message = 'send the body as application/json';
    } else if (status === 429) {
      metrics.rejected('rate_limit');
    }
    if (status >= 500) req.log.error({ err: error.message }, 'request failed');
    return reply
      .code(status)
      .send(
        errorBody(
          message,
          status >= 500
            ? (mapped?.type ?? 'server_error')
            : status === 429
              ? 'rate_limit_error'
              : 'invalid_request_error',
          error.code ?? null,
        ),
      );
  });
  app.setNotFoundHandler((req, reply) => {
    metrics.httpError(404);
    return reply.code(404).send(errorBody(`no route ${req.method} ${req.url}`, 'not_found'));
  });
  if (options.cors) {
    void app.register(cors, { origin: options.cors, exposedHeaders: CACHE_HEADERS });
  }
  if (options.rateLimit !== undefined) {
    const { max, timeWindowMs } = options.rateLimit;
    void app.register(rateLimit, {
      global: true,
      max,
      timeWindow: timeWindowMs,
      hook: 'preHandler',
      keyGenerator: (req) => (req.caller?.kind === 'key' ? req.caller.tenant : `ip:${req.ip}`),
      errorResponseBuilder: (_req, context) => ({
        statusCode: 429,
        code: 'RATE_LIMITED',
        message: `rate limit of ${context.max} requests per ${context.after} for your API key reached; retry after ${context.after}`,
      }),
    });
  }
  // Inside a plugin, so that the rate limiter (registered first) sees every route.
  void app.register(async (routes) => {
    chatRoutes(routes, ctx, options.upstream);
    responsesRoutes(routes, ctx, options.upstream);
    serviceRoutes(routes, ctx, options);
    cacheRoutes(routes, ctx);
  });
  return app;
}
