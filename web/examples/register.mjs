// Registers a handle on Inkpost's identity contract from JavaScript: dedot
// reads the contract through its shipped metadata, the Inkpost SDK in
// WebAssembly derives the keys and signs. Runs in Node.js as it is (the
// browser differs in one line: `await init()`).
//
//   node web/examples/register.mjs NODE_URL DEPLOYMENT_FILE SECRET HANDLE
import { readFile } from "node:fs/promises";
import { DedotClient, WsProvider } from "dedot";
import { Contract } from "dedot/contracts";
import { encodeAddress, hexToU8a } from "dedot/utils";
import init, { Account } from "../pkg/inkpost_web.js";

const [url, deploymentFile, secret, handle] = process.argv.slice(2);
await init({ module_or_path: await readFile(new URL("../pkg/inkpost_web_bg.wasm", import.meta.url)) });
const deployment = JSON.parse(await readFile(deploymentFile, "utf8"));
const metadata = JSON.parse(await readFile(new URL("../../contracts/artifacts/inkpost_identity.json", import.meta.url)));

// The account: sr25519 for the chain, X25519 for messages, from one secret.
const account = Account.fromSuri(secret);
const address = encodeAddress(account.accountId, 42);
const signer = {
  address,
  publicKey: hexToU8a(account.accountId),
  // dedot hashes payloads over 256 bytes itself; the signature goes with
  // its MultiSignature type byte (1: sr25519).
  sign: (payload) => new Uint8Array([1, ...hexToU8a(account.signForChain(payload))]),
};

const client = await DedotClient.new(new WsProvider(url));
// No `defaultCaller`: every dry run below names its caller.
const identity = new Contract(client, metadata, deployment.identity);

// Trap 1: pallet-revive runs contracts for mapped accounts only.
if ((await client.query.revive.originalAccount(account.address)) === undefined) {
  const mapped = await client.tx.revive.mapAccount().signAndSend(signer).untilFinalized();
  if (mapped.dispatchError) throw new Error("map_account failed");
}

// A read: who holds the handle?
const taken = await identity.query.byHandle(handle, { caller: address });
if (taken.data !== undefined) throw new Error(`@${handle} is taken by ${taken.data[0]}`);

// Trap 2: the contract counts value in 18 decimals, the chain in its own.
const { data: deposit } = await identity.query.deposit({ caller: address });
const value = deposit / BigInt(client.consts.revive.nativeToEthRatio);

// A write: dry-run as the signer (the contract's typed error shows here,
// before anything is signed), then submit with the limits that run measured.
const args = [handle, account.accountId, account.encryptionKey(1)];
const dryRun = await identity.query.register(...args, { caller: address, value });
if (dryRun.data.isErr) throw new Error(`register refused: ${JSON.stringify(dryRun.data.err)}`);
const estimate = await client.call.reviveApi.call(address, deployment.identity, value, undefined, undefined, dryRun.inputData);
const result = await client.tx.revive
  .call(deployment.identity, value, estimate.weightRequired, estimate.maxStorageDeposit.value, dryRun.inputData)
  .signAndSend(signer)
  .untilFinalized();
if (result.dispatchError) throw new Error(`register failed: ${JSON.stringify(result.dispatchError)}`);
const [registered] = identity.events.Registered.filter(result.events);
console.log(JSON.stringify({ handle: registered.data.handle, address: registered.data.address }));
await client.disconnect();
