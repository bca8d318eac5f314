// Inkpost's chat app: plain DOM over a handful of views — here connect,
// key, profile (registration, postage); the conversations in
// conversation-view.ts. The protocol is the Rust SDK in WebAssembly
// (web/pkg); the contracts are reached with dedot through their shipped
// metadata (chain.ts); the key stays encrypted in IndexedDB (keystore.ts).
import init, { Account, Relay } from "../../pkg/inkpost_web.js";
import { Chain, ChainError } from "./chain";
import { handles, showConversations } from "./conversation-view";
import { loadDeployment, type Deployment } from "./deployment";
import * as keystore from "./keystore";
import { Postage } from "./postage";
import { begin, current, type Session } from "./session";
import { $, field, formatTokens, handle, hide, parseTokens, show, status } from "./ui";

let settings: { node: string; relay: string; deployment: Deployment } | undefined;

// — connect —

function prefill(): void {
  const params = new URLSearchParams(location.search);
  const form = $<HTMLFormElement>("#connect-form");
  for (const name of ["node", "relay", "deployment"]) {
    const value = params.get(name) ?? localStorage.getItem(`inkpost.${name}`);
    if (value) field(form, name).value = value;
  }
}

handle($<HTMLFormElement>("#connect-form"), async () => {
  const form = $<HTMLFormElement>("#connect-form");
  const node = field(form, "node").value.trim();
  const relay = field(form, "relay").value.trim().replace(/\/$/, "");
  if (!/^wss?:\/\//.test(node)) throw new Error("the node's address starts with ws:// or wss://");
  if (!/^https?:\/\//.test(relay)) throw new Error("the relay's address starts with http:// or https://");
  const deployment = await loadDeployment(field(form, "deployment").value);
  settings = { node, relay, deployment };
  for (const [name, value] of Object.entries({ node, relay, deployment: field(form, "deployment").value })) {
    localStorage.setItem(`inkpost.${name}`, value);
  }
  hide($("#connect"));
  await showAccount();
});

// — the key —

async function showAccount(): Promise<void> {
  show($("#account"));
  const stored = await keystore.stored();
  if (stored) {
    $("#stored-account").textContent = stored.accountId;
    show($("#unlock-form"));
    hide($("#import-form"));
  } else {
    hide($("#unlock-form"));
    show($("#import-form"));
  }
  status("Unlock or import your key");
}

handle($<HTMLFormElement>("#unlock-form"), async () => {
  const form = $<HTMLFormElement>("#unlock-form");
  const stored = await keystore.stored();
  if (!stored) throw new Error("no key is kept here any more: import one");
  status("Unlocking…");
  const secret = await keystore.unlock(stored, field(form, "passphrase").value);
  form.reset();
  await start(Account.fromSuri(secret));
});

handle($<HTMLButtonElement>("#forget"), async () => {
  if (!confirm("Forget the key kept in this browser? You need its mnemonic to use it again.")) return;
  await keystore.forget();
  await showAccount();
});

handle($<HTMLButtonElement>("#generate"), async () => {
  const generated = Account.generate();
  const box = $("#generated");
  box.textContent = `Your new mnemonic — write it down, it is the only way back to this account: ${generated.phrase}`;
  show(box);
  field($<HTMLFormElement>("#import-form"), "secret").value = generated.phrase;
});

handle($<HTMLFormElement>("#import-form"), async () => {
  const form = $<HTMLFormElement>("#import-form");
  const secret = field(form, "secret").value.trim();
  let account: Account;
  try {
    account = Account.fromSuri(secret);
  } catch (error) {
    throw new Error(`that is not a key: ${(error as Error).message}`);
  }
  status("Encrypting your key…");
  await keystore.save(account.accountId, secret, field(form, "passphrase").value);
  form.reset();
  hide($("#generated"));
  await start(account);
});

// — a session —

async function start(account: Account): Promise<void> {
  if (!settings) throw new Error("connect first");
  status(`Connecting to ${settings.node}…`);
  const chain = await Chain.connect(settings.node, settings.deployment, account);
  const relay = new Relay(settings.relay);
  status(`Asking the relay at ${settings.relay} who it is…`);
  const relayInfo = (await relay.info()) as Session["relayInfo"];
  if (relayInfo.genesis.toLowerCase() !== chain.genesis.toLowerCase()) {
    throw new ChainError(
      `the relay serves another chain (genesis ${relayInfo.genesis}, the node's is ${chain.genesis}): check both addresses`,
    );
  }
  const postage = await Postage.of(relay, chain, account, relayInfo.account);
  begin({ account, chain, relay, relayInfo, postage });
  hide($("#account"));
  await showProfile();
}

async function showProfile(): Promise<void> {
  const session = current();
  const { account, chain } = session;
  $("#my-account").textContent = chain.ss58;
  $("#my-address").textContent = account.address;
  show($("#profile"));
  session.me = await chain.byAddress(account.address);
  if (session.me) {
    $("#my-handle").textContent = `You are @${session.me.handle}.`;
    handles.set(session.me.accountId, session.me.handle);
    hide($("#register-form"));
    await showPostage();
    showConversations();
  } else {
    const balance = await chain.balance();
    $("#my-handle").textContent = `Not registered yet. Balance: ${formatTokens(balance)}.`;
    show($("#register-form"));
    status("Register a handle to chat");
  }
}

async function showPostage(): Promise<void> {
  const { postage, chain } = current();
  if (!postage) return;
  show($("#postage"));
  const price = `The relay charges ${formatTokens(BigInt(postage.terms.price))} per message`;
  const held = postage.held;
  const channel = held && (await chain.channel(BigInt(held.channel)));
  if (held && channel) {
    $("#postage-terms").textContent =
      `${price}, paid from your channel ${held.channel}: ${formatTokens(channel.paid)} of ${formatTokens(channel.deposit)} claimed so far.`;
    hide($("#channel-form"));
  } else {
    $("#postage-terms").textContent = `${price}: open a payment channel to it to send.`;
    show($("#channel-form"));
  }
}

handle($<HTMLFormElement>("#channel-form"), async () => {
  const deposit = parseTokens(field($<HTMLFormElement>("#channel-form"), "deposit").value);
  const { postage } = current();
  if (!postage) throw new Error("this relay charges no postage");
  await postage.open(deposit, status);
  await showPostage();
  status("Channel open: your messages pay the relay from it");
});

handle($<HTMLFormElement>("#register-form"), async () => {
  const handleName = field($<HTMLFormElement>("#register-form"), "handle").value.trim();
  await current().chain.register(handleName, status);
  await showProfile();
});

// — start —

await init();
prefill();
const params = new URLSearchParams(location.search);
if (params.get("node") && params.get("relay") && params.get("deployment")) {
  $<HTMLFormElement>("#connect-form").requestSubmit();
}
