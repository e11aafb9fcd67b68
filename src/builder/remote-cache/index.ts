export * from './spec.js';
export * from './records.js';
export * from './export.js';
export * from './import.js';
