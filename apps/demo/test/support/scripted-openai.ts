import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The bearer token the scripted upstream accepts. */
export const UPSTREAM_KEY = 'sk-upstream-test';

/** One request the upstream received: its path and its body bytes as they came. */
export interface Received {
  method: string;
  path: string;
  raw: string;
  body: Record<string, unknown>;
}

type Body = Record<string, unknown>;
type Message = { role: string; content?: unknown; tool_calls?: unknown };

const usage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
});

/**
 * A scripted OpenAI-shaped upstream for the service's end-to-end tests: `/v1/chat/completions`
 * (plain and SSE), `/v1/responses` and `/v1/models`, in the documented shapes. With tools and a
 * user question it calls the first tool; after a tool result it answers from it; it honours
 * `n`, `logprobs` and `response_format` (JSON schema → a JSON answer). Records every request.
 */
export class ScriptedOpenAI {
  readonly received: Received[] = [];
  /** Holds each chat answer this long, so that concurrent callers overlap. */
  delayMs = 0;
  baseURL = '';
  #server: Server;
  #n = 0;

  private constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(): Promise<ScriptedOpenAI> {
    const fake = new ScriptedOpenAI();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.baseURL = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}/v1`;
    return fake;
  }

  /** Requests received for `path` (e.g. `/v1/chat/completions`). */
  calls(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** The last request received for `path`. */
  last(path: string): Received {
    const all = this.calls(path);
    const found = all[all.length - 1];
    if (found === undefined) throw new Error(`no request to ${path}`);
    return found;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    let body: Body = {};
    try {
      body = raw === '' ? {} : (JSON.parse(raw) as Body);
    } catch {
      // Recorded as received; answered below.
    }
    this.received.push({ method: req.method ?? '', path, raw, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_1' });
      res.end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${UPSTREAM_KEY}`) {
      json(401, {
        error: {
          message: 'Incorrect API key provided.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
      return;
    }
    if (path === '/v1/models') {
      json(200, {
        object: 'list',
        data: [
          { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' },
          { id: 'gpt-4.1', object: 'model', created: 1744316542, owned_by: 'system' },
        ],
      });
      return;
    }
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (path === '/v1/chat/completions') return this.#chat(body, res, json);
    if (path === '/v1/responses') return this.#responses(body, res, json);
    json(404, {
      error: {
        message: `no route ${path}`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  }

  #chat(body: Body, res: ServerResponse, json: (s: number, v: unknown) => void): void {
    const messages = (body.messages ?? []) as Message[];
    const last = messages[messages.length - 1];
    const tools = body.tools as { function: { name: string } }[] | undefined;
    const id = `chatcmpl-up${++this.#n}`;
    const created = 1_760_000_000 + this.#n;
    const model = `${String(body.model)}-2024-07-18`;
    const question =
      typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content);
    let content: string | null = `Answer to: ${question}`;
    let toolCalls:
      | { id: string; type: 'function'; function: { name: string; arguments: string } }[]
      | undefined;
    let finish = 'stop';
    if (last?.role === 'tool') content = `From the tool: ${question}`;
    else if (tools?.length) {
      content = null;
      finish = 'tool_calls';
      toolCalls = [
        {
          id: `call_${this.#n}`,
          type: 'function',
          function: {
            name: tools[0]?.function.name ?? 'f',
            arguments: '{"city":"Paris","unit":"celsius"}',
          },
        },
      ];
    }
    const format = body.response_format as { type?: string } | undefined;
    if (format?.type === 'json_schema' || format?.type === 'json_object') {
      content = JSON.stringify({ answer: question });
    }
    const n = typeof body.n === 'number' ? body.n : 1;
    const logprobs =
      body.logprobs === true
        ? {
            content: [{ token: 'Answer', logprob: -0.01, bytes: [65], top_logprobs: [] }],
            refusal: null,
          }
        : null;
    const choices = Array.from({ length: n }, (_, index) => ({
      index,
      message: {
        role: 'assistant',
        content: content === null ? null : n > 1 ? `${content} (choice ${index})` : content,
        refusal: null,
        annotations: [],
        ...(toolCalls ? { tool_calls: toolCalls } : {}),
      },
      logprobs,
      finish_reason: finish,
    }));
    const u = usage(messages.length * 7, 9);
    if (body.stream !== true) {
      json(200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices,
        usage: u,
        service_tier: 'default',
        system_fingerprint: 'fp_scripted',
      });
      return;
    }
    const includeUsage =
      (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const base = {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: 'fp_scripted',
    };
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (choices: unknown[], extra: Body = {}) =>
      res.write(
        `data: ${JSON.stringify({ ...base, choices, ...(includeUsage ? { usage: null } : {}), ...extra })}\n\n`,
      );
    send([
      {
        index: 0,
        delta: { role: 'assistant', content: toolCalls ? null : '', refusal: null },
        logprobs: null,
        finish_reason: null,
      },
    ]);
    if (toolCalls) {
      const call = toolCalls[0] as (typeof toolCalls)[number];
      send([
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index: 0,
                id: call.id,
                type: 'function',
                function: { name: call.function.name, arguments: '' },
              },
            ],
          },
          logprobs: null,
          finish_reason: null,
        },
      ]);
      for (const piece of call.function.arguments.match(/.{1,8}/g) ?? []) {
        send([
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] },
            logprobs: null,
            finish_reason: null,
          },
        ]);
      }
    } else {
      for (const piece of (content ?? '').match(/\S+\s*/g) ?? []) {
        send([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]);
      }
    }
    send([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]);
    if (includeUsage) res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: u })}\n\n`);
    res.end('data: [DONE]\n\n');
  }

  #responses(body: Body, res: ServerResponse, json: (s: number, v: unknown) => void): void {
    const id = `resp_up${++this.#n}`;
    json(200, {
      id,
      object: 'response',
      created_at: 1_760_000_000,
      status: 'completed',
      model: `${String(body.model)}-2024-07-18`,
      output: [
        {
          type: 'message',
          id: `msg_up${this.#n}`,
          status: 'completed',
          role: 'assistant',
          content: [
            {
              type: 'output_text',
              text: 'Upstream responses answer',
              annotations: [],
              logprobs: [],
            },
          ],
        },
      ],
      usage: {
        input_tokens: 5,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 3,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 8,
      },
    });
  }
}
