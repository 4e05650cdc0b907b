export * from './candidate-judge.js';
export * from './judge-options.js';
export * from './judge-prompt.js';
