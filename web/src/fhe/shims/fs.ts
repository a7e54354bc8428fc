/**
 * `fs` for the fhEVM client's WASM modules in a browser (loaded only by the reputation decrypt, a dynamic import):
 * node-tkms and node-tfhe read their .wasm with readFileSync at load; the app server serves those files under
 * /fhe/ (copied at build), so a synchronous request stands in for the file read.
 */
export function readFileSync(file: string): Uint8Array {
  const name = String(file).split("/").pop();
  const xhr = new XMLHttpRequest();
  xhr.open("GET", `/fhe/${name}`, false);
  // A synchronous request cannot ask for an ArrayBuffer: read the body as x-user-defined text, one byte per char.
  xhr.overrideMimeType("text/plain; charset=x-user-defined");
  xhr.send();
  if (xhr.status !== 200) throw new Error(`fhEVM client: /fhe/${name} answered ${xhr.status}`);
  const text = xhr.responseText;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export default { readFileSync };
