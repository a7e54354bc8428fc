/**
 * Decrypts one's own encrypted reputation in the page (EIP-712 user decryption against the fhEVM mock that the
 * hardhat node runs): a fresh keypair, the wallet signs the EIP-712 request, the node's mock relayer answers
 * `fhevm_relayer_v1_user_decrypt` only if the ACL lets that account read the handles. Loaded on demand (it pulls
 * the relayer SDK's WASM, about 5 MB).
 */
import { MockFhevmInstance } from "@fhevm/mock-utils";
import { Contract, JsonRpcProvider } from "ethers";
import type { Address, Hex } from "viem";

const EIP712_DOMAIN = ["function eip712Domain() view returns (bytes1, string, string, uint256, address, bytes32, uint256[])"];

export interface Handles {
  successes: Hex;
  failures: Hex;
  score: Hex;
}

export interface Signer {
  address: Address;
  signTypedData(args: { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; primaryType: string; message: Record<string, unknown> }): Promise<Hex>;
}

const ZERO = "0x" + "00".repeat(32);

export async function decryptReputation(rpcUrl: string, chainId: number, contract: Address, handles: Handles, signer: Signer): Promise<{ successes: bigint; failures: bigint; score: bigint }> {
  const provider = new JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true });
  try {
    const meta = (await provider.send("fhevm_relayer_metadata", [])) as { ACLAddress: string; InputVerifierAddress: string; KMSVerifierAddress: string };
    const domainOf = async (a: string) => (await new Contract(a, EIP712_DOMAIN, provider).eip712Domain()) as [string, string, string, bigint, string];
    const [kms, input] = await Promise.all([domainOf(meta.KMSVerifierAddress), domainOf(meta.InputVerifierAddress)]);
    const instance = await MockFhevmInstance.create(
      provider,
      provider,
      {
        aclContractAddress: meta.ACLAddress as Address,
        chainId,
        gatewayChainId: Number(kms[3]),
        inputVerifierContractAddress: meta.InputVerifierAddress as Address,
        kmsContractAddress: meta.KMSVerifierAddress as Address,
        verifyingContractAddressDecryption: kms[4] as Address,
        verifyingContractAddressInputVerification: input[4] as Address,
      },
      // no cached properties: the verifiers' signers and domains are read from the chain
      {} as never,
    );
    const list = [handles.successes, handles.failures, handles.score].filter((h) => h !== ZERO);
    if (!list.length) return { successes: 0n, failures: 0n, score: 0n };
    const { publicKey, privateKey } = instance.generateKeypair();
    const start = Math.floor(Date.now() / 1000);
    const days = 1;
    const eip712 = instance.createEIP712(publicKey, [contract], start, days);
    const types = { ...eip712.types } as unknown as Record<string, { name: string; type: string }[]>;
    delete types.EIP712Domain;
    const signature = await signer.signTypedData({ domain: eip712.domain as never, types, primaryType: "UserDecryptRequestVerification", message: eip712.message as never });
    const out = (await instance.userDecrypt(list.map((handle) => ({ handle, contractAddress: contract })), privateKey, publicKey, signature, [contract], signer.address, start, days)) as Record<string, bigint>;
    const read = (h: Hex) => (h === ZERO ? 0n : BigInt(out[h] ?? out[h.toLowerCase()] ?? 0));
    return { successes: read(handles.successes), failures: read(handles.failures), score: read(handles.score) };
  } finally {
    provider.destroy();
  }
}
