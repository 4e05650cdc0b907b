/** Messages between `LocalEmbedder` and its worker thread. */

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
