export * from './calibrated-guard.js';
export * from './conflicts.js';
export * from './features.js';
export * from './operating-points.js';
export * from './prompt-analysis.js';
