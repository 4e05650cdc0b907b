import type {
  CallOptions,
  ChatModel,
  ChatRequest,
  ChatResponse,
  GuardVerdict,
  HitGuard,
} from '../src/index.js';

/** What the scripted judge does on a call: answer this text, throw, or never answer. */
export type JudgeScript = string | Error | 'hang';

/**
 * A judge double: answers each call with the next scripted step (or `fallback` once the
 * script is spent), and records the requests and signals it got.
 */
export class ScriptedJudge implements ChatModel {
  readonly id = 'scripted-judge';
  readonly requests: ChatRequest[] = [];
  readonly signals: (AbortSignal | undefined)[] = [];
  readonly script: JudgeScript[] = [];

  constructor(public fallback: JudgeScript = 'no') {}

  /** Calls made so far. */
  get calls(): number {
    return this.requests.length;
  }

  async complete(request: ChatRequest, options?: CallOptions): Promise<ChatResponse> {
    this.requests.push(request);
    this.signals.push(options?.signal);
    const step = this.script.shift() ?? this.fallback;
    if (step instanceof Error) throw step;
    // Ignores its signal on purpose: the judge's own timeout must still end the wait.
    if (step === 'hang') return new Promise<ChatResponse>(() => undefined);
    return { content: step, model: request.model, finishReason: 'stop' };
  }
}

/**
 * A guard that scores every candidate `score` (with `vetoed`), accepting at 0.5 and above like
 * a calibrated guard with that threshold; `calls` counts its verdicts.
 */
export class ScoreGuard implements HitGuard {
  readonly id = 'score';
  calls = 0;
  constructor(
    public score: number | undefined,
    public vetoed: boolean | undefined,
  ) {}

  judge(): GuardVerdict {
    this.calls++;
    const score = this.score;
    if (score === undefined) return { accept: true, reasons: [] };
    const reasons = [];
    if (this.vetoed === true) reasons.push('number: 3 vs 4');
    if (score < 0.5) reasons.push(`score: ${score.toFixed(3)} < 0.5`);
    return { accept: reasons.length === 0, reasons, score, vetoed: this.vetoed };
  }
}
