/**
 * The fhEVM mock in a shared Hardhat network.
 *
 * The plugin's mock coprocessor reads FHE events with a block cursor that only moves forward and ignores reverts
 * (`MockCoprocessor.handleEvmRevert` is a no-op in @fhevm/mock-utils 0.1): after any test reverts the chain below
 * a block the coprocessor already read (loadFixture, evm_revert), its next decryption fails with
 * "Invalid block filter fromBlock=… toBlock=…". Tests that use the mock start with `fheMockReady()`, which mines
 * empty blocks up to the highest block the chain had before a revert, so the cursor is behind the head again.
 */
import { ethers, fhevm, network } from "hardhat";

let highest = 0;

const blockNumber = async (request: (a: { method: string; params?: unknown[] }) => Promise<unknown>) =>
  Number(await request({ method: "eth_blockNumber" }));

// Every path to evm_revert (ethers.provider.send, network helpers, network.provider.send/request) ends in one of these.
const provider = network.provider as unknown as {
  request(a: { method: string; params?: unknown[] }): Promise<unknown>;
  send(method: string, params?: unknown[]): Promise<unknown>;
};
const request = provider.request.bind(provider);
const send = provider.send.bind(provider);
provider.request = async (a) => {
  if (a.method === "evm_revert") highest = Math.max(highest, await blockNumber(request));
  return request(a);
};
provider.send = async (method, params) => {
  if (method === "evm_revert") highest = Math.max(highest, await blockNumber(request));
  return send(method, params);
};

/** Fails unless the fhEVM mock runs here; then moves the head past every block the coprocessor may have read. */
export async function fheMockReady(): Promise<void> {
  if (!fhevm.isMock) throw new Error("these tests need the fhEVM mock (run under `hardhat test`)");
  const now = await blockNumber(request);
  if (now < highest) await request({ method: "hardhat_mine", params: ["0x" + (highest - now).toString(16)] });
}

/**
 * The private key of the fhEVM mock's one KMS signer (@fhevm/hardhat-plugin, `PRIVATE_KEY_KMS_SIGNER` in its
 * src/internal/constants.ts; not exported by the package). Public by design: it signs only mock decryptions.
 */
const MOCK_KMS_SIGNER_KEY = "0x388b7680e4e1afa06efbfd45cdd1fe39f3c6af381df6555a19661f283b97de91";

/**
 * A public-decryption proof for `cleartexts` (ABI-encoded) of `handles`, signed with the mock KMS key whatever the
 * handles hold: what a misbehaving KMS would sign. Read against the KMSVerifier that `contract` (a ZamaConfig contract)
 * uses; fails unless that verifier lists the mock key as a signer.
 */
export async function mockKmsDecryptionProof(contract: string, handles: string[], cleartexts: string): Promise<string> {
  const { KMSVerifierAddress } = await fhevm.getCoprocessorConfig(contract);
  const kms = new ethers.Contract(
    KMSVerifierAddress,
    [
      "function eip712Domain() view returns (bytes1, string name, string version, uint256 chainId, address verifyingContract, bytes32, uint256[])",
      "function getKmsSigners() view returns (address[])",
    ],
    ethers.provider
  );
  const signer = new ethers.Wallet(MOCK_KMS_SIGNER_KEY);
  const signers: string[] = await kms.getKmsSigners();
  if (!signers.includes(signer.address)) throw new Error(`the mock KMS key ${signer.address} is not a signer of ${KMSVerifierAddress}`);
  const d = await kms.eip712Domain();
  const extraData = "0x00";
  const signature = await signer.signTypedData(
    { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract },
    { PublicDecryptVerification: [
      { name: "ctHandles", type: "bytes32[]" },
      { name: "decryptedResult", type: "bytes" },
      { name: "extraData", type: "bytes" },
    ] },
    { ctHandles: handles, decryptedResult: cleartexts, extraData }
  );
  return ethers.concat([ethers.toBeHex(1, 1), signature, extraData]);
}
