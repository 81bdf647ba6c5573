/** Bumped whenever a request or response of the socket protocol changes shape; the hello exchange compares it. */
export const PROTOCOL_VERSION = 8
