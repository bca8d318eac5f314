// One person in a conversation, in the browser, through a real relay: the
// page follows the conversation's live stream, sends its texts (sealed in
// WebAssembly, submitted over fetch, receipts checked), and reports every
// message it reads until it has read all of `args.expect`.
//
// args: { relay, suri, conversation, epoch, peer?, recipients: [{account,
//         key, keyVersion}], send: [text], expect: [text] }
import init, { Account, Relay, inspect, open, seal } from "../../pkg/inkpost_web.js";

const hex = (bytes) => "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function main() {
  const args = JSON.parse(new URL(location.href).searchParams.get("args"));
  await init();
  const me = Account.fromSuri(args.suri);
  const relay = new Relay(args.relay);
  const info = await relay.info();
  const stream = await relay.subscribe(me, args.conversation, 0, args.peer);

  const sent = [];
  let previous;
  for (const [index, text] of args.send.entries()) {
    const draft = {
      conversation: args.conversation,
      epoch: args.epoch,
      clientMsgId: hex(crypto.getRandomValues(new Uint8Array(16))),
      seq: index + 1,
      previous,
    };
    const bytes = seal(me, draft, args.recipients, new TextEncoder().encode(text));
    const answer = await relay.submit(me, bytes);
    previous = inspect(bytes).id;
    sent.push({ id: previous, seq: answer.receipt.seq, duplicate: answer.duplicate });
  }

  const received = [];
  const waiting = new Set(args.expect);
  while (waiting.size > 0) {
    const event = await stream.next();
    if (event === null || !event.message) {
      throw new Error(`the stream ended: ${JSON.stringify(event)}`);
    }
    const text = new TextDecoder().decode(open(me, event.message.bytes));
    received.push({ seq: event.message.seq, sender: event.message.sender, text });
    waiting.delete(text);
  }
  stream.close();
  window.report = { relay: info.account, sent, received };
}

main().catch((error) => {
  window.failure = String(error?.stack ?? error?.message ?? error);
});
