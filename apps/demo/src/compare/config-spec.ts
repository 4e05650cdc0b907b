import type { ChatModel, SemanticCacheApi } from '@cache/core';

/** An opened configuration: its cache (none for the no-cache baseline) and how to release it. */
export interface OpenedConfig {
  /** The cache, or undefined for the no-cache baseline. */
  cache?: SemanticCacheApi;
  /** Releases stores and tables the configuration created. */
  close(): Promise<void>;
}

/** One configuration of the comparison. */
export interface CompareConfig {
  /** Short name for tables and charts. */
  name: string;
  /** What it is, in a sentence. */
  description: string;
  /**
   * Returns why the configuration cannot run here (e.g. `REDIS_URL unset`), or undefined when
   * it can. Probes servers without side effects.
   */
  unavailable?(): Promise<string | undefined>;
  /** Builds the configuration around `model`. */
  open(model: ChatModel): Promise<OpenedConfig>;
}
