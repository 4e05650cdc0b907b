/** Messages between `LocalEmbedder` and its worker thread. */
import type { LocalEmbedderModel } from './local-models.js';

/** What the worker is started with. */
export interface WorkerStart {
  /** The model to load. */
  model: LocalEmbedderModel;
  /** Most texts per forward pass. */
  maxBatchSize: number;
}

/** Embed these texts; the reply carries the same `id`. */
export interface WorkerRequest {
  id: number;
  texts: string[];
}

/** The worker's answer: model loaded, model failed to load, vectors, or a failed request. */
export type WorkerReply =
  | { ready: true }
  | { loadError: string }
  | { id: number; vectors: Float32Array[] }
  | { id: number; error: string };
