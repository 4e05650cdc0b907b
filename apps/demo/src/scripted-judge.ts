import type { ChatModel, ChatRequest, ChatResponse } from '@cache/core';

/** Words the scripted judge ignores when it compares two questions. */
export const SCRIPTED_JUDGE_IGNORED = [
  'a',
  'an',
  'the',
  'of',
  'in',
  'is',
  'are',
  'what',
  'which',
  'who',
  'how',
  'do',
  'does',
  'i',
  'me',
  'tell',
  'please',
];

const IGNORED = new Set(SCRIPTED_JUDGE_IGNORED);

/** One question the scripted judge was asked, and its answer. */
export interface ScriptedVerdict {
  /** Question A: the stored one. */
  stored: string;
  /** Question B: the new one. */
  asked: string;
  /** What it answered. */
  answer: 'yes' | 'no';
}

/**
 * A SCRIPTED judge for the demo, not a language model: it reads the two questions of the
 * cache's judge prompt and says `yes` when every word of the stored question (A), but the
 * {@link SCRIPTED_JUDGE_IGNORED} ones, appears in the new question (B), `no` otherwise (and `no`
 * to a prompt it cannot read). Deterministic and offline, so the tour shows the judge's effect
 * without a model; pass a small real model (`OpenAIChatModel`, `OllamaChatModel`) in real use.
 */
export class ScriptedJudgeModel implements ChatModel {
  readonly id = 'scripted-judge';
  /** Every question asked so far, in order. */
  readonly verdicts: ScriptedVerdict[] = [];

  async complete(request: ChatRequest): Promise<ChatResponse> {
    const user = request.messages.at(-1)?.content ?? '';
    const stored = question(user, 'A');
    const asked = question(user, 'B');
    let answer: 'yes' | 'no' = 'no';
    if (stored !== undefined && asked !== undefined) {
      const words = new Set(contentWords(asked));
      answer = contentWords(stored).every((w) => words.has(w)) ? 'yes' : 'no';
      this.verdicts.push({ stored, asked, answer });
    }
    return { content: answer, model: request.model, finishReason: 'stop' };
  }
}

/** The JSON-encoded question on the prompt's `Question <label>: ` line. */
function question(prompt: string, label: 'A' | 'B'): string | undefined {
  const prefix = `Question ${label}: `;
  const line = prompt.split('\n').find((l) => l.startsWith(prefix));
  if (line === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(line.slice(prefix.length));
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !IGNORED.has(w));
}
