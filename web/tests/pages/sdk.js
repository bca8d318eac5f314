// The SDK's WebAssembly build in a real browser: it opens the envelope the
// native build sealed (sdk/tests/vectors/envelope-v2.json), seals one for
// the native build to open, signs a relay request, and times sealing a
// 1 KiB message to 10 recipients (the figure docs/benchmarks.md compares
// with the native build's).
import init, { Account, inspect, open, seal } from "../../pkg/inkpost_web.js";

const hex = (bytes) => "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (text) => Uint8Array.from(text.slice(2).match(/../g), (b) => parseInt(b, 16));

async function main() {
  const args = JSON.parse(new URL(location.href).searchParams.get("args") ?? "{}");
  await init();
  const report = {};

  // 1. What the native build sealed, the browser opens.
  const vector = await (await fetch("/sdk/tests/vectors/envelope-v2.json")).json();
  const info = inspect(unhex(vector.bytes));
  report.vector = { id: info.id, sender: info.sender, conversation: info.conversation, epoch: info.epoch, texts: {} };
  for (const uri of vector.recipients) {
    report.vector.texts[uri] = new TextDecoder().decode(open(Account.fromSuri(uri), unhex(vector.bytes)));
  }
  try {
    open(Account.fromSuri("//Eve"), unhex(vector.bytes));
    report.vector.eve = "opened";
  } catch (error) {
    report.vector.eve = String(error.message ?? error);
  }

  // 2. What the browser seals, the native build opens (the Rust test does).
  const alice = Account.fromSuri("//Alice");
  const recipient = (uri) => {
    const account = Account.fromSuri(uri);
    return { account: account.accountId, key: account.encryptionKey(1), keyVersion: 1 };
  };
  const text = args.text ?? "sealed in the browser";
  const bytes = seal(
    alice,
    { conversation: "group:7", epoch: 3, clientMsgId: hex(crypto.getRandomValues(new Uint8Array(16))), seq: 1 },
    [recipient("//Bob"), recipient("//Charlie")],
    new TextEncoder().encode(text),
  );
  report.sealed = { bytes: hex(bytes), id: inspect(bytes).id };

  // 3. Keys and request signatures as the native build derives them.
  report.keys = { accountId: alice.accountId, address: alice.address, encryptionKey: alice.encryptionKey(1) };
  report.authorization = alice.authorization(alice.accountId, hex(new Uint8Array(32)), "GET", "/v1/info", new Uint8Array());

  // 4. Sealing a 1 KiB message to 10 recipients, signature included.
  const rounds = args.rounds ?? 0;
  if (rounds > 0) {
    const ten = Array.from({ length: 10 }, (_, i) => recipient(`//Recipient${i}`));
    const body = new Uint8Array(1024).fill(0x61);
    const draft = { conversation: "group:7", epoch: 3, clientMsgId: hex(new Uint8Array(16)), seq: 1 };
    for (let i = 0; i < 3; i++) seal(alice, draft, ten, body); // warm-up
    const started = performance.now();
    for (let i = 0; i < rounds; i++) seal(alice, draft, ten, body);
    report.seal10 = { rounds, microsPerSeal: ((performance.now() - started) * 1000) / rounds };
  }
  window.report = report;
}

main().catch((error) => {
  window.failure = String(error?.stack ?? error);
});
