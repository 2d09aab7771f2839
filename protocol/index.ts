export * from './version.js';
export * from './job.js';
export * from './errors.js';
export * from './config.js';
export * from './duration.js';
export * from './framing.js';
export * from './methods.js';
export * from './events.js';
