export * from './rpc';
export * from './messages';
export * from './annotations';
export * from './ready-barrier';
export * from './trace-changes';
