// horde-sim: a local AI Horde image-generation API for tests, demos and benchmarks.
//   import { startSimulator, SimControl } from 'horde-sim';
// Importing starts nothing. Types: index.d.ts. Documentation: README.md.
export { startSimulator, USAGE, LOG_SIZE } from './server.mjs';
export { SimControl, SimControlError } from './control.mjs';
