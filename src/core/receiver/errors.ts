/** Errors of the OTLP receiver: the ones a host shows to the user carry a `code` to act on. */

/** Why the receiver could not start. */
export type OtlpReceiverErrorCode =
  /** The port is taken (another receiver, a collector): `port` and `host` say which. */
  | 'PORT_IN_USE'
  /** The system refused the port (below 1024 without privileges). */
  | 'PORT_NOT_ALLOWED'
  /** The host is not an address of this machine (or does not resolve). */
  | 'HOST_UNAVAILABLE'
  /** An option is out of range (port, body limit). */
  | 'BAD_OPTION'
  /** The output folder cannot be created. */
  | 'OUT_DIR';

/**
 * Thrown (as a rejection) by `startOtlpReceiver`. The message is one line naming the port, host or
 * folder, meant for the user as it is; a host adds where to change it, e.g. for `PORT_IN_USE`:
 * "change the setting agentTraceDebugger.receiver.port".
 */
export class OtlpReceiverError extends Error {
  override readonly name = 'OtlpReceiverError';
  constructor(
    readonly code: OtlpReceiverErrorCode,
    message: string,
    readonly port?: number,
    readonly host?: string,
  ) {
    super(message);
  }
}

/** A request body that is not a well-formed OTLP trace export: the 400's one-line reason. */
export class MalformedRequestError extends Error {
  override readonly name = 'MalformedRequestError';
}
