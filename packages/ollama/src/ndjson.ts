/**
 * Yields the lines of a newline-delimited byte stream (Ollama streams one JSON object per
 * line), decoded as UTF-8, without the trailing newline. Blank lines are skipped.
 */
export async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let at = pending.indexOf('\n');
      while (at >= 0) {
        const line = pending.slice(0, at).trim();
        pending = pending.slice(at + 1);
        if (line.length > 0) yield line;
        at = pending.indexOf('\n');
      }
    }
    pending += decoder.decode();
    if (pending.trim().length > 0) yield pending.trim();
  } finally {
    // Stops the download when the consumer leaves early. On a stream that already failed,
    // cancel rejects with the error read() has just thrown to the consumer: nothing is lost.
    await reader.cancel().catch(() => undefined);
  }
}
