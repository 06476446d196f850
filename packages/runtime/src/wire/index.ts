/**
 * The wire: frame format, payload codec, message type ids and the authentication handshake.
 * The transports in `cluster/transport` use these; protocols on top only need `MessageType`.
 */
export {
  MessageType,
  HANDSHAKE_MESSAGE_TYPES,
  KNOWN_MESSAGE_TYPES,
  FIRST_APPLICATION_MESSAGE_TYPE,
  messageTypeName,
} from './message-types.ts';
export type { MessageTypeId, MessageTypeName } from './message-types.ts';
export { encodeFrame, WIRE_VERSION, FRAME_HEADER_BYTES, DEFAULT_MAX_FRAME_BYTES } from './frame.ts';
export type { Frame } from './frame.ts';
export { FrameDecoder } from './frame-decoder.ts';
export type { FrameDecoderOptions } from './frame-decoder.ts';
export { encodePayload, decodePayload, encodePayloadScratch } from './codec.ts';
export type { ScratchBytes } from './codec.ts';
export { encodeFrameScratch } from './frame-encoder.ts';
export { Handshake } from './handshake.ts';
export type { HandshakeOptions, HandshakeOutput, NodeIdentity, OutgoingMessage } from './handshake.ts';
export {
  deriveKey,
  handshakeProof,
  verifyProof,
  NONCE_BYTES,
  HANDSHAKE_PROTOCOL,
} from './handshake-proof.ts';
export type { HandshakeRole, HandshakeTranscript } from './handshake-proof.ts';
export { checkPlainData, MAX_NESTING_DEPTH } from './plain-data.ts';
export { checkCookie, MIN_COOKIE_BYTES } from './cookie-key.ts';
export {
  WireError,
  FrameTooLargeError,
  MalformedFrameError,
  UnsupportedVersionError,
  UnknownMessageTypeError,
  PayloadDecodeError,
  PayloadEncodeError,
  PayloadExtensionError,
  PayloadLimitError,
  CookieTooShortError,
  HandshakeAuthError,
  HandshakeRefusedError,
  HandshakeProtocolError,
  HandshakeTimeoutError,
  HandshakeSelfError,
} from './errors.ts';
