import {
  type CacheResult,
  type ChatRequest,
  createDefaultGuard,
  type HitGuard,
  operatingPointFor,
  type RequestOptions,
  type SemanticCache,
} from '@cache/core';
import { type DemoConfig, loadConfig } from './config.js';
import { tourModelName } from './remote.js';
import { SCRIPTED_JUDGE_IGNORED, ScriptedJudgeModel } from './scripted-judge.js';
import { requireServers } from './server-checks.js';
import { type CacheParts, createCache, createParts, runPrefix } from './stores.js';
import { replayWorkload } from './tour-replay.js';
import { DEFAULT_TOUR_WORKLOAD, loadBundledWorkload } from './workload/load.js';

interface Scenario {
  title: string;
  prompt: string;
  expect: string;
  temperature?: number;
  options?: RequestOptions;
}

const SCENARIOS: Scenario[] = [
  { title: '1. cold miss', prompt: 'What is the capital of France?', expect: 'model' },
  {
    title: '2. exact hit (same question again)',
    prompt: 'What is the capital of France?',
    expect: 'exact',
  },
  {
    title: '3. semantic hit (a paraphrase)',
    prompt: "What's the capital of France?",
    expect: 'semantic',
  },
  {
    title: '4. bypass (temperature 1.2 is above the 0.8 limit)',
    prompt: 'What is the capital of France?',
    temperature: 1.2,
    expect: 'bypass',
  },
  {
    title: "5. a different question that looks alike (must not be served France's answer)",
    prompt: 'What is the capital of Germany?',
    expect: 'model',
  },
];

/** `pnpm demo`: the four scenarios of the seeds on real prompts, then a replayed workload. */
export async function runTour(): Promise<void> {
  const config = loadConfig();
  console.log('Semantic LLM cache — tour (offline by default: no servers, no keys, no network)\n');
  await requireServers(config);
  const started = performance.now();
  const parts = await createParts(config, { prefix: runPrefix('tour'), temporary: true });
  console.log(`Backends: ${parts.description}`);
  if (config.CACHE_MODEL === 'standin') {
    console.log(
      'The model is the STAND-IN (StandInChatModel): no LLM, a deterministic answer naming the prompt after a realistic 300–800 ms delay. Set OPENAI_API_KEY for a real model.',
    );
  }
  // Load the embedder's and the guard's models now, so the scenarios show steady-state timings.
  await parts.embedder.embed(['warm up']);
  createDefaultGuard(parts.embedder.id).judge('warm up', { prompt: 'warm up', similarity: 1 });
  console.log(
    `Ready in ${((performance.now() - started) / 1000).toFixed(1)} s (embedder and guard loaded).\n`,
  );
  const cache = createCache(parts, config);
  try {
    const model = tourModelName(config);
    for (const scenario of SCENARIOS) await runScenario(cache, model, scenario);
    await runJudgeStep(parts, config, model);
    await cache.clear();
    cache.resetMetrics();
    const workload = await loadBundledWorkload(DEFAULT_TOUR_WORKLOAD);
    await replayWorkload(cache, workload, model);
  } finally {
    // The tour's entries are throwaway: leave nothing behind in a shared Redis.
    await cache.clear();
    await cache.close();
  }
}

async function runScenario(
  cache: SemanticCache,
  model: string,
  scenario: Scenario,
  notes: (result: CacheResult) => string[] = () => [],
): Promise<void> {
  const request: ChatRequest = {
    model,
    messages: [{ role: 'user', content: scenario.prompt }],
    temperature: scenario.temperature ?? 0,
  };
  const result = await cache.complete(request, scenario.options);
  console.log(`${scenario.title}`);
  console.log(
    `   prompt      "${scenario.prompt}"${scenario.temperature !== undefined ? ` (temperature ${scenario.temperature})` : ''}`,
  );
  console.log(
    `   source      ${describeSource(result)}${result.source === scenario.expect ? '' : `   (expected ${scenario.expect})`}`,
  );
  if (result.reason) console.log(`   why         ${result.reason}`);
  for (const r of result.rejected) {
    console.log(
      `   rejected    a candidate at similarity ${r.similarity.toFixed(3)}: ${r.reasons.join('; ')}`,
    );
  }
  for (const note of notes(result)) console.log(`   ${note}`);
  console.log(`   timings     ${formatTimings(result)}`);
  console.log(`   answer      ${shorten(result.response.content, 110)}\n`);
}

const JUDGE_SCENARIOS: Scenario[] = [
  {
    title: '6a. an uncertain candidate the judge says yes to',
    prompt: 'Is Paris the capital of France?',
    expect: 'semantic',
  },
  {
    title: '6b. an uncertain candidate the judge says no to',
    prompt: 'What is the largest city in France?',
    expect: 'model',
  },
];

/**
 * Step 6: the optional judge. A second cache on the same stores (so step 1's entry is the
 * candidate) puts the guard's uncertain candidates to a scripted judge. It is not closed: it
 * shares the tour cache's stores, which that cache closes.
 */
async function runJudgeStep(parts: CacheParts, config: DemoConfig, model: string): Promise<void> {
  const threshold = operatingPointFor(parts.embedder.id).threshold;
  const band = { low: threshold - 0.1, high: Math.min(1, threshold + 0.1) };
  const judgeModel = new ScriptedJudgeModel();
  // The default guard, remembering the score it gave each candidate prompt, for the output.
  const defaultGuard = createDefaultGuard(parts.embedder.id);
  const scores = new Map<string, number | undefined>();
  const guard: HitGuard = {
    id: defaultGuard.id,
    judge: (query, candidate) => {
      const verdict = defaultGuard.judge(query, candidate);
      scores.set(candidate.prompt, verdict.score);
      return verdict;
    },
  };
  const cache = createCache(parts, config, {
    guard,
    judge: { model: judgeModel, modelName: 'scripted', band },
  });
  console.log('6. the optional judge of uncertain candidates (option `judge`, off by default)');
  console.log(
    `   band        guard scores in [${band.low.toFixed(3)}, ${band.high.toFixed(3)}) go to the judge (the guard's threshold ${threshold} ± 0.1)`,
  );
  console.log(
    `   judge       SCRIPTED, not a model: says yes when every word of the stored question but ${SCRIPTED_JUDGE_IGNORED.map((w) => `"${w}"`).join(' ')} is in the new one\n`,
  );
  for (const scenario of JUDGE_SCENARIOS) {
    const seen = judgeModel.verdicts.length;
    await runScenario(cache, model, scenario, () =>
      judgeModel.verdicts.slice(seen).map((v) => {
        const score = scores.get(v.stored) ?? Number.NaN;
        const alone = score >= threshold ? 'serve' : 'refuse';
        return `judged      "${v.stored}": ${v.answer} (guard score ${score.toFixed(3)}; the guard alone would ${alone} it)`;
      }),
    );
  }
  const j = cache.metrics().judge;
  console.log(
    `   judge metrics  calls ${j.calls} · accepted ${j.accepted} · rejected ${j.rejected} · failures ${j.failures} · budget exhausted ${j.budgetExhausted} · remembered ${j.cacheHits}\n`,
  );
}

function describeSource(result: CacheResult): string {
  switch (result.source) {
    case 'exact':
      return `exact — the same normalized prompt was cached ${(result.ageMs / 1000).toFixed(1)} s ago`;
    case 'semantic':
      return `semantic — similarity ${result.similarity?.toFixed(3)} to "${result.matchedPrompt}"`;
    case 'model':
      return `model (miss) — answered by the model${result.stored ? ', then stored' : ''}`;
    case 'bypass':
      return 'bypass — the cache was skipped: model called, nothing stored';
  }
}

/** Step timings in reading order, ms. */
export function formatTimings(result: CacheResult): string {
  const t = result.timings;
  const steps: [string, number | undefined][] = [
    ['policy', t.policyMs],
    ['exact', t.exactMs],
    ['embed', t.embedMs],
    ['search', t.searchMs],
    ['guard', t.guardMs],
    ['judge', t.judgeMs],
    ['model', t.modelMs],
    ['store', t.storeMs],
  ];
  const shown = steps
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${(v as number).toFixed(2)}`)
    .join(' · ');
  return `${shown}${shown ? ' · ' : ''}total ${t.totalMs.toFixed(2)} ms`;
}

function shorten(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
