import type { ChatMessage, ChatRequest } from '@cache/core';
import { z } from 'zod';

const textPart = z.object({ type: z.literal('text'), text: z.string() }).loose();

const message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: z.union([z.string(), z.array(textPart), z.null()]).optional(),
    name: z.string().optional(),
  })
  .loose();

/**
 * The subset of the OpenAI chat-completions request the service understands. Unknown fields
 * are accepted and ignored, as OpenAI clients send many; fields that change the answer are
 * carried into the cache scope.
 */
export const chatCompletionBody = z
  .object({
    model: z.string().min(1, 'model must be a non-empty string'),
    messages: z.array(message).min(1, 'messages must hold at least one message'),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    max_tokens: z.number().int().positive().optional(),
    max_completion_tokens: z.number().int().positive().optional(),
    stop: z.union([z.string(), z.array(z.string())]).optional(),
    seed: z.number().int().optional(),
    tools: z.unknown().optional(),
    tool_choice: z.unknown().optional(),
    response_format: z.unknown().optional(),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().optional(),
  })
  .loose();

/** A parsed chat-completions request body. */
export type ChatCompletionBody = z.infer<typeof chatCompletionBody>;

/** Converts an OpenAI request body to the cache's provider-neutral request. */
export function toChatRequest(body: ChatCompletionBody): ChatRequest {
  const messages: ChatMessage[] = body.messages.map((m) => {
    const content =
      typeof m.content === 'string'
        ? m.content
        : (m.content ?? []).map((part) => part.text).join('');
    const role = m.role === 'developer' ? 'system' : m.role;
    return m.name === undefined ? { role, content } : { role, content, name: m.name };
  });
  const request: ChatRequest = { model: body.model, messages };
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.topP = body.top_p;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  if (body.stop !== undefined)
    request.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (body.seed !== undefined) request.seed = body.seed;
  if (body.tools !== undefined) request.tools = body.tools;
  if (body.tool_choice !== undefined) request.toolChoice = body.tool_choice;
  if (body.response_format !== undefined) request.responseFormat = body.response_format;
  return request;
}

/** Formats zod issues as one readable line per problem, with the field path. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
}
