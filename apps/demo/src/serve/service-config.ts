import type { DemoConfig } from '../config.js';
import { tourModelName } from '../remote.js';
import { configuredServers } from '../server-checks.js';
import type { ServiceRoutesOptions } from './routes-service.js';

/** The service options `config` implies: upstream, listed models, readiness checks, CORS. */
export function serviceOptionsFor(
  config: DemoConfig,
): ServiceRoutesOptions & { cors?: boolean | string[] } {
  const origins = config.CACHE_CORS_ORIGINS?.split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  return {
    ...(config.CACHE_MODEL === 'openai'
      ? {
          upstream: {
            baseURL: config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
            apiKey: config.OPENAI_API_KEY,
          },
        }
      : {}),
    models: [tourModelName(config)],
    readiness: Object.fromEntries(
      configuredServers(config).map((s) => [`${s.name} (${s.variable})`, s.probe]),
    ),
    ...(origins === undefined || origins.length === 0
      ? {}
      : { cors: origins.includes('*') ? true : origins }),
  };
}
