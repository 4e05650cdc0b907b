/** Default deepest nesting of arrays and objects accepted anywhere in a JSON body. */
export const DEFAULT_MAX_JSON_DEPTH = 64;
/** Default longest last-message text (characters) that goes through the semantic path. */
export const DEFAULT_MAX_SEMANTIC_PROMPT_CHARS = 16_384;

const MAX_MODEL_CHARS = 256;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_NAME_CHARS = 64;

/**
 * Whether `value` nests arrays and objects deeper than `limit` (a scalar is depth 0, `[]` is 1),
 * stopping at the first level past it. Iterative, so a body nested 100,000 levels deep costs a
 * loop, not the stack.
 */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * Problems of a chat-completions body's `model` and message `name` fields: each must be
 * well-formed Unicode (no lone surrogates) without control characters; `model` at most 256
 * characters, `name` at most 64 of letters, digits, `_` and `-` (OpenAI's rule). Other fields
 * are the schema's; a body that is not an object is left to it too.
 */
export function chatFieldProblems(body: unknown): string[] {
  if (body === null || typeof body !== 'object') return [];
  const problems: string[] = [];
  const { model, messages } = body as { model?: unknown; messages?: unknown };
  if (typeof model === 'string') {
    if (model.length > MAX_MODEL_CHARS) {
      problems.push(`model: at most ${MAX_MODEL_CHARS} characters, got ${model.length}`);
    } else if (LONE_SURROGATE.test(model) || /\p{Cc}/u.test(model)) {
      problems.push('model: must be well-formed text without control characters');
    }
  }
  if (Array.isArray(messages)) {
    messages.forEach((m, i) => {
      const name = (m as { name?: unknown } | null)?.name;
      if (typeof name === 'string' && !/^[\w-]{1,64}$/.test(name)) {
        problems.push(
          `messages.${i}.name: 1 to ${MAX_NAME_CHARS} letters, digits, _ or - (got ${name.length} characters)`,
        );
      }
    });
  }
  return problems;
}

/** Characters of the last message's text (string content, or the text of its parts). */
export function lastMessageChars(body: unknown): number {
  const messages = (body as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages) || messages.length === 0) return 0;
  const content = (messages.at(-1) as { content?: unknown } | null)?.content;
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let chars = 0;
  for (const part of content) {
    const text = (part as { text?: unknown } | null)?.text;
    if (typeof text === 'string') chars += text.length;
  }
  return chars;
}

/** Characters of a Responses request's text `input` (a string, or the text of its message items). */
export function inputChars(body: unknown): number {
  const input = (body as { input?: unknown } | null)?.input;
  if (typeof input === 'string') return input.length;
  if (!Array.isArray(input)) return 0;
  let chars = 0;
  for (const item of input) chars += lastMessageChars({ messages: [item] });
  return chars;
}
