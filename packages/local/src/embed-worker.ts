/**
 * The worker thread `LocalEmbedder` starts: it loads the model once, then embeds the texts of
 * each request message and posts the vectors back (their buffers transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MiniLmModel } from './minilm-model.js';
import { errorText } from './unit-vector.js';
import { UseLiteModel } from './use-lite-model.js';
import type { WorkerReply, WorkerRequest, WorkerStart } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('embed-worker.js runs as a worker thread of LocalEmbedder.');
const { model: modelId, maxBatchSize } = workerData as WorkerStart;

const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(reply, transfer);

try {
  const model =
    modelId === 'local/all-minilm-l6-v2@384'
      ? await MiniLmModel.load(maxBatchSize)
      : await UseLiteModel.load(maxBatchSize);
  port.on('message', async (request: WorkerRequest) => {
    try {
      const vectors = await model.embed(request.texts);
      post(
        { id: request.id, vectors },
        vectors.map((v) => v.buffer as ArrayBuffer),
      );
    } catch (error) {
      post({ id: request.id, error: errorText(error) });
    }
  });
  post({ ready: true });
} catch (error) {
  post({ loadError: errorText(error) });
}
