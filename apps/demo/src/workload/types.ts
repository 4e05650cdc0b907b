/** One request of a workload, with what counts as a right answer for it. */
export interface WorkloadRequest {
  /** The user prompt sent to the cache. */
  prompt: string;
  /**
   * Prompts whose stored answers are right for this one (always includes the prompt itself).
   * A hit that serves an answer stored for any other prompt is a wrong hit.
   */
  accept: string[];
  /**
   * `store`: first sight of a question; `duplicate`/`distinct`: the second question of a
   * labeled pair; `repeat`: the same text asked again; `unlabeled`: from a plain prompt list.
   */
  kind: 'store' | 'duplicate' | 'distinct' | 'repeat' | 'unlabeled';
}

/** A sequence of requests to replay, with where it came from. */
export interface Workload {
  /** Short name for tables and the report. */
  name: string;
  /** Where the data came from (file and provenance). */
  source: string;
  /** True when right and wrong hits can be told apart (labeled pairs). */
  labeled: boolean;
  /** The requests, in replay order. */
  requests: WorkloadRequest[];
  /** The labeled pairs behind the workload, for the threshold sweep (empty when unlabeled). */
  pairs: LabeledPair[];
}

/** Two questions and whether they ask the same thing. */
export interface LabeledPair {
  /** Stored first. */
  first: string;
  /** Looked up afterwards. */
  second: string;
  /** True when an answer to `first` answers `second`. */
  duplicate: boolean;
}
