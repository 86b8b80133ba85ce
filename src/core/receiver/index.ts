/**
 * The local OTLP/HTTP trace receiver (plain Node): `startOtlpReceiver` and what a host needs to
 * show its state. See ./server.ts for the protocol and ./trace-files.ts for the files it writes.
 */
export {
  startOtlpReceiver, exportEndpointLine,
  DEFAULT_OTLP_PORT, DEFAULT_OTLP_HOST, DEFAULT_MAX_BODY_BYTES, OTLP_TRACES_PATH, OTLP_TRACES_ENDPOINT_ENV,
  type OtlpReceiver, type OtlpReceiverOptions, type TraceWrittenEvent, type RequestRefusedEvent, type Subscription,
} from './server';
export { OtlpReceiverError, type OtlpReceiverErrorCode } from './errors';
export { traceFileName } from './trace-files';
