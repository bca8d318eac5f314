// The conversations view: the list (direct by handle, groups by number, a
// new group), and one conversation — members with their roles, messages as
// read and followed live, each checked before it shows, with Verify and
// Tip, and the compose box.
import { addressOf, directConversation } from "../../pkg/inkpost_web.js";
import type { Person, Role } from "./chain";
import { type Shown, type Target, Thread } from "./conversation";
import { current, me } from "./session";
import { $, fail, field, formatTokens, handle, hide, parseTokens, show, shortId, status } from "./ui";

let thread: Thread | undefined;
/** Handles by account id, for display. */
export const handles = new Map<string, string>();

const listKey = () => `inkpost.conversations.${current().account.accountId}`;

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

export function showConversations(): void {
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
  status(`Ready, @${me().handle}`);
}

handle($<HTMLFormElement>("#dm-form"), async () => {
  const form = $<HTMLFormElement>("#dm-form");
  const name = field(form, "handle").value.trim().replace(/^@/, "");
  const peer = await current().chain.byHandle(name);
  if (!peer) throw new Error(`nobody is registered as @${name}: check the spelling`);
  form.reset();
  await openConversation({
    id: directConversation(me().accountId, peer.accountId),
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
  const group = await current().chain.createGroup(status);
  await openConversation({ id: `group:${group}`, title: `group ${group}`, group });
});

// — one conversation —

async function nameOf(accountId: string): Promise<string> {
  const known = handles.get(accountId);
  if (known) return `@${known}`;
  const person = await current().chain.byAddress(addressOf(accountId));
  if (person) {
    handles.set(accountId, person.handle);
    return `@${person.handle}`;
  }
  return shortId(accountId);
}

/** Who a message here is encrypted to: registered members, or both of us. */
async function recipients(target: Target): Promise<{ people: Person[]; epoch: bigint }> {
  const { chain } = current();
  if (target.peer) return { people: [me(), target.peer], epoch: 0n };
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
  const { chain } = current();
  const myAddress = me().address;
  const group = await chain.group(target.group);
  if (!group) throw new Error(`there is no group ${target.group}: check its number`);
  const mine = group.members.find(([address]) => address === myAddress)?.[1];
  const manager = mine === "Owner" || mine === "Admin";
  const items = await Promise.all(
    group.members.map(async ([address, role]) => {
      const person = await chain.byAddress(address);
      if (person) handles.set(person.accountId, person.handle);
      const item = document.createElement("li");
      item.dataset.handle = person?.handle ?? "";
      item.textContent = `${person ? `@${person.handle}` : shortId(address)} — ${role.toLowerCase()} `;
      if (manager && role !== "Owner" && address !== myAddress) {
        const change = document.createElement("form");
        change.className = "role";
        const select = document.createElement("select");
        select.name = "role";
        for (const option of ["Reader", "Member", "Admin"] as Role[]) {
          select.add(new Option(option.toLowerCase(), option, false, option === role));
        }
        const set = document.createElement("button");
        set.textContent = "Set role";
        change.append(select, set);
        handle(change, async () => {
          await chain.setRole(target.group!, address, select.value as Role, status);
          await showMembers(target);
        });
        const remove = document.createElement("button");
        remove.textContent = "Remove";
        remove.className = "remove";
        handle(remove, async () => {
          await chain.removeMember(target.group!, address, status);
          await showMembers(target);
        });
        item.append(change, " ", remove);
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
  const person = await current().chain.byHandle(name);
  if (!person) throw new Error(`nobody is registered as @${name}: they must register before joining`);
  const role = (form.elements.namedItem("role") as HTMLSelectElement).value as Role;
  await current().chain.addMember(target.group!, person.address, role, status);
  form.reset();
  await showMembers(target);
});

/** Whether senders could write at the epochs their messages name, asked once each. */
const writers = new Map<string, boolean>();

/**
 * Why `message` must not be shown as text, if it must not: in a group, its
 * sender could not write at the epoch it names (the relay let it in, or
 * made it up) — the reader's own check against the groups contract.
 */
async function writerProblem(target: Target, message: Shown): Promise<string | undefined> {
  if (target.group === undefined) return undefined;
  const key = `${target.group}:${message.sender}:${message.epoch}`;
  let could = writers.get(key);
  if (could === undefined) {
    could = await current().chain.canWriteAt(target.group, addressOf(message.sender), message.epoch);
    writers.set(key, could);
  }
  return could ? undefined : `its sender could not write in this group at epoch ${message.epoch}: injected`;
}

async function render(message: Shown, target: Target): Promise<HTMLLIElement> {
  const item = document.createElement("li");
  item.dataset.seq = String(message.seq);
  item.dataset.id = message.id;
  const sender = document.createElement("strong");
  sender.textContent = await nameOf(message.sender);
  const text = document.createElement("span");
  text.className = "text";
  const problem = message.problem ?? (await writerProblem(target, message));
  text.textContent = problem ? `cannot read this message: ${problem}` : message.text;
  if (problem) item.classList.add("invalid");
  item.append(sender, " ", text);
  if (message.continuity !== "in_order") {
    const flag = document.createElement("em");
    flag.className = "flag";
    flag.textContent = ` (${message.continuity.replaceAll("_", " ")})`;
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
  if (message.sender !== current().account.accountId) {
    const tip = document.createElement("button");
    tip.textContent = "Tip";
    tip.className = "tip";
    handle(tip, async () => {
      const amount = prompt("Tip how many tokens?", "0.01");
      if (amount === null) return;
      const value = parseTokens(amount);
      await current().chain.tip(addressOf(message.sender), message.id, value, status);
      verdict.textContent = `tipped ${formatTokens(value)}`;
    });
    item.append(" ", tip);
  }
  item.append(" ", verdict);
  return item;
}

/** Checks the relay's proof for `id` and the root the anchors contract holds. */
async function verifyMessage(id: string): Promise<string> {
  const { relay, account, chain, relayInfo } = current();
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
  const opened = new Thread(current().relay, current().account, target);
  thread = opened;
  status(`Reading ${target.title}…`);
  for (const message of await opened.history()) $("#messages").append(await render(message, target));
  status(`${target.title}: live`);
  // Messages arrive one by one; each is shown in the order it came.
  let shown = Promise.resolve();
  opened
    .follow((message) => {
      shown = shown.then(async () => {
        if (thread === opened) $("#messages").append(await render(message, target));
      });
    })
    .then((ended) => {
      if (thread !== opened) return;
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
  const myself = me();
  const { people, epoch } = await recipients(thread.target);
  if (!people.some((person) => person.accountId === myself.accountId)) {
    throw new Error("you are not in this conversation: ask its owner to add you");
  }
  status("Sending…");
  const voucher = await current().postage?.voucher();
  const sent = await thread.send(text, people, epoch, voucher);
  form.reset();
  status(`Sent (#${sent.seq}, to ${people.length})`);
});
