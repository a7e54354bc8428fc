/** `util` as node-tkms uses it: the encoders the browser has natively. */
const E = globalThis.TextEncoder;
const D = globalThis.TextDecoder;
export { E as TextEncoder, D as TextDecoder };
export default { TextEncoder: E, TextDecoder: D };
