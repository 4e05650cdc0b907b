import { type ChatModel, type ChatRequest, StandInChatModel } from '@cache/core';
import cliProgress from 'cli-progress';
import type { Workload } from '../workload/types.js';
import type { CompareConfig } from './config-spec.js';
import type { MemoEmbedder } from './memo-embedder.js';
import { type ConfigScore, ScoreCard } from './score.js';
import { simulatedModelMs } from './simulated-latency.js';

/** A configuration that could not run, and why. */
export interface SkippedConfig {
  /** Configuration name. */
  name: string;
  /** Why it was skipped. */
  reason: string;
}

/** Everything `compare` measured. */
export interface CompareRun {
  /** Scores of the configurations that ran, in order. */
  scores: ConfigScore[];
  /** Configurations skipped, with the reason. */
  skipped: SkippedConfig[];
}

/** Model name sent in every request of the comparison (part of the scope). */
export const COMPARE_MODEL = 'demo-model';

/** Options of {@link runComparison}. */
export interface RunOptions {
  /** Show a progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  /** Called with a line of text for each skipped configuration or note. */
  log?: (line: string) => void;
  /**
   * The embedder the configurations share, when it memoizes: each request is then charged the
   * measured time of the embeddings it needed instead of the (near zero) memoized time.
   */
  embedder?: MemoEmbedder;
}

/**
 * Replays `workload` through every configuration, one after the other, with the stand-in model
 * answering instantly; each model call is charged the stand-in's simulated latency.
 */
export async function runComparison(
  workload: Workload,
  configs: readonly CompareConfig[],
  options: RunOptions = {},
): Promise<CompareRun> {
  const log = options.log ?? (() => {});
  const runnable: CompareConfig[] = [];
  const skipped: SkippedConfig[] = [];
  for (const config of configs) {
    const reason = await config.unavailable?.();
    if (reason) {
      skipped.push({ name: config.name, reason });
      log(`skipped ${config.name}: ${reason}`);
    } else {
      runnable.push(config);
    }
  }
  const showBar = options.progress ?? Boolean(process.stderr.isTTY);
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | {value}/{total} requests | {config}',
      stream: process.stderr,
      noTTYOutput: false,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  if (showBar) bar.start(runnable.length * workload.requests.length, 0, { config: '' });
  const scores: ConfigScore[] = [];
  try {
    for (const config of runnable) {
      const model = new StandInChatModel({ delayMs: 0 });
      let opened: Awaited<ReturnType<CompareConfig['open']>>;
      try {
        opened = await config.open(model);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        skipped.push({ name: config.name, reason: `failed to start: ${reason}` });
        if (showBar) bar.increment(workload.requests.length, { config: config.name });
        else log(`skipped ${config.name}: failed to start: ${reason}`);
        continue;
      }
      try {
        scores.push(
          await replay(workload, config, opened.cache, model, options.embedder, () => {
            if (showBar) bar.increment(1, { config: config.name });
          }),
        );
      } finally {
        await opened.close();
      }
    }
  } finally {
    if (showBar) bar.stop();
  }
  return { scores, skipped };
}

async function replay(
  workload: Workload,
  config: CompareConfig,
  cache: Awaited<ReturnType<CompareConfig['open']>>['cache'],
  model: ChatModel,
  memo: MemoEmbedder | undefined,
  tick: () => void,
): Promise<ConfigScore> {
  const card = new ScoreCard(config.name, config.description);
  for (const item of workload.requests) {
    const request: ChatRequest = {
      model: COMPARE_MODEL,
      messages: [{ role: 'user', content: item.prompt }],
      temperature: 0,
    };
    const modelMs = simulatedModelMs(item.prompt);
    if (!cache) {
      const started = performance.now();
      const response = await model.complete(request);
      const overhead = performance.now() - started;
      card.add(item, {
        source: 'model',
        latencyMs: modelMs + overhead,
        uncachedMs: modelMs + overhead,
        usage: response.usage,
      });
    } else {
      memo?.takeCharged();
      const result = await cache.complete(request);
      const embedMs = memo ? memo.takeCharged() - (result.timings.embedMs ?? 0) : 0;
      const cacheMs = result.timings.totalMs - (result.timings.modelMs ?? 0) + Math.max(0, embedMs);
      const calledModel = result.source === 'model' || result.source === 'bypass';
      card.add(item, {
        source: result.source,
        servedPrompt: result.source === 'exact' ? item.prompt : result.matchedPrompt,
        similarity: result.similarity,
        latencyMs: cacheMs + (calledModel ? modelMs : 0),
        uncachedMs: modelMs,
        usage: result.response.usage,
      });
    }
    tick();
  }
  return card.score();
}
