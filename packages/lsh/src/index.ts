export { hammingLimit, popcount32, similarityFromHamming } from './bits.js';
export { fwht, HadamardProjector } from './hadamard.js';
export { type LshMemoryStats, type LshSearchStats, LshVectorStore } from './lsh-vector-store.js';
export { DEFAULT_SEED, type LshVectorStoreOptions, type ResolvedLshOptions } from './options.js';
export { Xoshiro128 } from './prng.js';
