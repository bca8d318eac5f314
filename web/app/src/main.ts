// Inkpost's chat app: plain DOM over a handful of views (connect, key,
// profile, conversations, one conversation). The protocol is the Rust SDK in
// WebAssembly (web/pkg); the contracts are reached with dedot through their
// shipped metadata (chain.ts); the key stays encrypted in IndexedDB.
import init, { Account, Relay, addressOf, directConversation } from "../../pkg/inkpost_web.js";
import { Chain, ChainError, type Person, type Role } from "./chain";
import { type Shown, type Target, Thread } from "./conversation";
import { loadDeployment, type Deployment } from "./deployment";
import { Postage } from "./postage";
import * as keystore from "./keystore";
import { $, field, formatTokens, hide, parseTokens, show, shortId } from "./ui";

interface Session {
  account: Account;
  chain: Chain;
  relay: Relay;
  relayInfo: { account: string; anchorer: string; genesis: string };
  /** The relay's postage, if it charges any. */
  postage?: Postage;
  me?: Person;
}

let settings: { node: string; relay: string; deployment: Deployment } | undefined;
let session: Session | undefined;
let thread: Thread | undefined;
/** Handles by account id, for display. */
const handles = new Map<string, string>();

// — status, progress, errors —

function status(text: string): void {
  $("#status").textContent = text;
}

function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const box = $("#error");
  box.textContent = message;
  show(box);
  status("Something went wrong: see above");
}

/**
 * Runs `act` when the form is submitted (or the button clicked), its
 * buttons disabled meanwhile; an error goes to the error box.
 */
function handle(form: HTMLFormElement | HTMLButtonElement, act: () => Promise<void>): void {
  const isForm = form instanceof HTMLFormElement;
  form.addEventListener(isForm ? "submit" : "click", async (event) => {
    event.preventDefault();
    const buttons = isForm ? [...form.querySelectorAll("button")] : [form];
    buttons.forEach((button) => (button.disabled = true));
    hide($("#error"));
    try {
      await act();
    } catch (error) {
      fail(error);
    } finally {
      buttons.forEach((button) => (button.disabled = false));
    }
  });
}

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
  session = { account, chain, relay, relayInfo, postage };
  hide($("#account"));
  await showProfile();
}

async function showProfile(): Promise<void> {
  const { account, chain } = session!;
  $("#my-account").textContent = chain.ss58;
  $("#my-address").textContent = account.address;
  show($("#profile"));
  session!.me = await chain.byAddress(account.address);
  if (session!.me) {
    $("#my-handle").textContent = `You are @${session!.me.handle}.`;
    handles.set(session!.me.accountId, session!.me.handle);
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
  const { postage, chain } = session!;
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
  await session!.postage!.open(deposit, status);
  await showPostage();
  status("Channel open: your messages pay the relay from it");
});

handle($<HTMLFormElement>("#register-form"), async () => {
  const handleName = field($<HTMLFormElement>("#register-form"), "handle").value.trim();
  await session!.chain.register(handleName, status);
  await showProfile();
});

// — conversations —

const listKey = () => `inkpost.conversations.${session!.account.accountId}`;

function remembered(): Target[] {
  const list = JSON.parse(localStorage.getItem(listKey()) ?? "[]") as (Omit<Target, "group"> & { group?: string })[];
  return list.map((item) => ({ ...item, group: item.group === undefined ? undefined : BigInt(item.group) }));
}

function remember(target: Target): void {
  const list = remembered().filter((item) => item.id !== target.id);
  list.unshift(target);
  localStorage.setItem(
    listKey(),
    JSON.stringify(list.map((item) => ({ ...item, group: item.group?.toString() }))),
  );
}

function showConversations(): void {
  show($("#conversations"));
  const list = $("#conversation-list");
  list.replaceChildren(
    ...remembered().map((target) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.textContent = target.title;
      handle(button, () => openConversation(target));
      item.append(button);
      return item;
    }),
  );
  status(`Ready, @${session!.me!.handle}`);
}

handle($<HTMLFormElement>("#dm-form"), async () => {
  const form = $<HTMLFormElement>("#dm-form");
  const name = field(form, "handle").value.trim().replace(/^@/, "");
  const peer = await session!.chain.byHandle(name);
  if (!peer) throw new Error(`nobody is registered as @${name}: check the spelling`);
  form.reset();
  await openConversation({
    id: directConversation(session!.me!.accountId, peer.accountId),
    title: `@${peer.handle}`,
    peer,
  });
});

handle($<HTMLFormElement>("#group-form"), async () => {
  const form = $<HTMLFormElement>("#group-form");
  const text = field(form, "group").value.trim();
  if (!/^\d+$/.test(text)) throw new Error("a group is a number, such as 7");
  form.reset();
  await openConversation({ id: `group:${text}`, title: `group ${text}`, group: BigInt(text) });
});

handle($<HTMLButtonElement>("#create-group"), async () => {
  const group = await session!.chain.createGroup(status);
  await openConversation({ id: `group:${group}`, title: `group ${group}`, group });
});

// — one conversation —

async function nameOf(accountId: string): Promise<string> {
  const known = handles.get(accountId);
  if (known) return `@${known}`;
  const person = await session!.chain.byAddress(addressOf(accountId));
  if (person) {
    handles.set(accountId, person.handle);
    return `@${person.handle}`;
  }
  return shortId(accountId);
}

/** Who a message here is encrypted to: registered members, or both of us. */
async function recipients(target: Target): Promise<{ people: Person[]; epoch: bigint }> {
  const { chain, me } = session!;
  if (target.peer) return { people: [me!, target.peer], epoch: 0n };
  const group = await chain.group(target.group!);
  if (!group) throw new Error(`there is no group ${target.group}`);
  const people: Person[] = [];
  for (const [address] of group.members) {
    const person = await chain.byAddress(address);
    if (person) people.push(person);
  }
  return { people, epoch: group.epoch };
}

async function showMembers(target: Target): Promise<void> {
  const box = $("#members");
  if (target.group === undefined) {
    hide(box);
    return;
  }
  const { chain, me } = session!;
  const group = await chain.group(target.group);
  if (!group) throw new Error(`there is no group ${target.group}: check its number`);
  const mine = group.members.find(([address]) => address === me!.address)?.[1];
  const manager = mine === "Owner" || mine === "Admin";
  const items = await Promise.all(
    group.members.map(async ([address, role]) => {
      const person = await chain.byAddress(address);
      if (person) handles.set(person.accountId, person.handle);
      const item = document.createElement("li");
      item.dataset.handle = person?.handle ?? "";
      item.textContent = `${person ? `@${person.handle}` : shortId(address)} — ${role.toLowerCase()} `;
      if (manager && role !== "Owner" && address !== me!.address) {
        const remove = document.createElement("button");
        remove.textContent = "Remove";
        handle(remove, async () => {
          await chain.removeMember(target.group!, address, status);
          await showMembers(target);
        });
        item.append(remove);
      }
      return item;
    }),
  );
  $("#member-list").replaceChildren(...items);
  $("#member-form").hidden = !manager;
  show(box);
}

handle($<HTMLFormElement>("#member-form"), async () => {
  const form = $<HTMLFormElement>("#member-form");
  const target = thread!.target;
  const name = field(form, "handle").value.trim().replace(/^@/, "");
  const person = await session!.chain.byHandle(name);
  if (!person) throw new Error(`nobody is registered as @${name}: they must register before joining`);
  const role = (form.elements.namedItem("role") as HTMLSelectElement).value as Role;
  await session!.chain.addMember(target.group!, person.address, role, status);
  form.reset();
  await showMembers(target);
});

async function render(message: Shown): Promise<HTMLLIElement> {
  const item = document.createElement("li");
  item.dataset.seq = String(message.seq);
  item.dataset.id = message.id;
  const sender = document.createElement("strong");
  sender.textContent = await nameOf(message.sender);
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = message.problem ? `cannot read this message: ${message.problem}` : message.text;
  item.append(sender, " ", text);
  if (message.continuity !== "in_order") {
    const flag = document.createElement("em");
    flag.className = "flag";
    flag.textContent = ` (${message.continuity.replace("_", " ")})`;
    item.append(flag);
  }
  const verify = document.createElement("button");
  verify.textContent = "Verify";
  verify.className = "verify";
  const verdict = document.createElement("small");
  verdict.className = "verdict";
  handle(verify, async () => {
    verdict.textContent = await verifyMessage(message.id);
  });
  item.append(" ", verify);
  if (message.sender !== session!.account.accountId) {
    const tip = document.createElement("button");
    tip.textContent = "Tip";
    tip.className = "tip";
    handle(tip, async () => {
      const amount = prompt("Tip how many tokens?", "0.01");
      if (amount === null) return;
      const value = parseTokens(amount);
      await session!.chain.tip(addressOf(message.sender), message.id, value, status);
      verdict.textContent = `tipped ${formatTokens(value)}`;
    });
    item.append(" ", tip);
  }
  item.append(" ", verdict);
  return item;
}

/** Checks the relay's proof for `id` and the root the anchors contract holds. */
async function verifyMessage(id: string): Promise<string> {
  const { relay, account, chain, relayInfo } = session!;
  const proof = (await relay.proof(account, id)) as null | {
    root: string;
    leafIndex: number;
    batchSeq: number;
    leafCount: number;
    blockNumber: number | null;
  };
  if (proof === null) return "not anchored yet: the relay anchors its batches every few seconds; try again shortly";
  const onChain = await chain.anchoredBatch(addressOf(relayInfo.anchorer), proof.batchSeq);
  if (!onChain) throw new Error(`the relay says batch ${proof.batchSeq} holds this message, but it anchored no such batch: do not trust this relay`);
  if (onChain.root !== proof.root.toLowerCase() || onChain.leafCount !== BigInt(proof.leafCount) || proof.leafIndex >= proof.leafCount) {
    throw new Error(`the relay's proof does not match batch ${proof.batchSeq} on chain (root ${onChain.root}): do not trust this relay`);
  }
  return `anchored on chain: batch ${proof.batchSeq}, root ${onChain.root}`;
}

async function openConversation(target: Target): Promise<void> {
  thread?.close();
  remember(target);
  showConversations();
  $("#conversation-title").textContent = target.title;
  $("#messages").replaceChildren();
  show($("#conversation"));
  await showMembers(target);
  const current = new Thread(session!.relay, session!.account, target);
  thread = current;
  status(`Reading ${target.title}…`);
  for (const message of await current.history()) $("#messages").append(await render(message));
  status(`${target.title}: live`);
  // Messages arrive one by one; each is shown in the order it came.
  let shown = Promise.resolve();
  current
    .follow((message) => {
      shown = shown.then(async () => {
        if (thread === current) $("#messages").append(await render(message));
      });
    })
    .then((ended) => {
      if (thread !== current) return;
      if (ended.startsWith("revoked")) {
        status(`You can no longer read ${target.title} (${ended}): you were removed or the conversation closed to you`);
        hide($("#compose-form"));
      } else if (ended !== "closed") {
        status(`The live stream of ${target.title} ended (${ended}): open the conversation again`);
      }
    })
    .catch(fail);
  show($("#compose-form"));
}

handle($<HTMLFormElement>("#compose-form"), async () => {
  const form = $<HTMLFormElement>("#compose-form");
  const text = field(form, "text").value;
  if (!thread) throw new Error("open a conversation first");
  if (!session!.me) throw new Error("register a handle first");
  const { people, epoch } = await recipients(thread.target);
  if (!people.some((person) => person.accountId === session!.me!.accountId)) {
    throw new Error("you are not in this conversation: ask its owner to add you");
  }
  status("Sending…");
  const voucher = await session!.postage?.voucher();
  const sent = await thread.send(text, people, epoch, voucher);
  form.reset();
  status(`Sent (#${sent.seq}, to ${people.length})`);
});

// — start —

await init();
prefill();
const params = new URLSearchParams(location.search);
if (params.get("node") && params.get("relay") && params.get("deployment")) {
  $<HTMLFormElement>("#connect-form").requestSubmit();
}
