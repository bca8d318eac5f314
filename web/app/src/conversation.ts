// A conversation's messages as the app holds them: read and followed from
// the relay through the SDK in WebAssembly, each checked (signature, id,
// the sender's chain) before it is shown; and sending, sealed to the
// recipients the caller read from the chain, continuing my chain.
import { Account, Continuity, Relay, Subscription, inspect, open, seal } from "../../pkg/inkpost_web.js";
import type { Person } from "./chain";

export interface Target {
  /** `dm:0x…` or `group:N`. */
  id: string;
  /** What the user sees: `@bob` or `group 7`. */
  title: string;
  /** The other party of a direct conversation. */
  peer?: Person;
  /** The group's number. */
  group?: bigint;
}

export interface Shown {
  seq: number;
  id: string;
  sender: string;
  /** The group epoch it names (0 in a direct conversation). */
  epoch: bigint;
  text: string;
  /** How it fits its sender's chain (`in_order`, `missing`, …). */
  continuity: string;
  /** Why it could not be read, if it could not. */
  problem?: string;
}

interface RelayMessage {
  seq: number;
  id: string;
  sender: string;
  bytes: Uint8Array;
}

const hex = (bytes: Uint8Array) => "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** The messages of one conversation, read and followed. */
export class Thread {
  private readonly continuity = new Continuity(true);
  private after = 0;
  private stream?: Subscription;
  private closed = false;
  /** My last message here: the next one continues my chain from it. */
  private mine?: { seq: number; id: string };

  constructor(
    private readonly relay: Relay,
    private readonly me: Account,
    readonly target: Target,
  ) {}

  private get peer(): string | undefined {
    return this.target.peer?.accountId;
  }

  private take(message: RelayMessage): Shown {
    this.after = Math.max(this.after, message.seq);
    const continuity = this.continuity.observe(message.bytes) as { status: string; missing?: number };
    const info = inspect(message.bytes) as { seq: number; id: string; epoch: number };
    if (message.sender === this.me.accountId) this.mine = { seq: info.seq, id: info.id };
    const status = continuity.status === "missing" ? `missing ${continuity.missing}` : continuity.status;
    const shown: Shown = {
      seq: message.seq,
      id: message.id,
      sender: message.sender,
      epoch: BigInt(info.epoch),
      text: "",
      continuity: status,
    };
    try {
      shown.text = new TextDecoder("utf-8", { fatal: true }).decode(open(this.me, message.bytes));
    } catch (error) {
      shown.problem = String((error as Error).message ?? error);
    }
    return shown;
  }

  /** Everything stored so far, page by page. */
  async history(): Promise<Shown[]> {
    const shown: Shown[] = [];
    for (;;) {
      const page = (await this.relay.list(this.me, this.target.id, this.after, this.peer)) as {
        messages: RelayMessage[];
        nextAfter: number | null;
      };
      shown.push(...page.messages.map((message) => this.take(message)));
      if (page.nextAfter === null || page.messages.length === 0) return shown;
    }
  }

  /**
   * Follows the live stream after what was read, calling `show` for each
   * message; resolves with why it ended (`revoked: …`, `expired: …`, or
   * `closed`).
   */
  async follow(show: (message: Shown) => void): Promise<string> {
    const stream: Subscription = await this.relay.subscribe(this.me, this.target.id, this.after, this.peer);
    this.stream = stream;
    while (!this.closed) {
      const event = (await stream.next()) as
        | null
        | { message?: RelayMessage; revoked?: string; expired?: string };
      if (event === null) break;
      if (event.revoked) return `revoked: ${event.revoked}`;
      if (event.expired) return `expired: ${event.expired}`;
      if (event.message) show(this.take(event.message));
    }
    return "closed";
  }

  close(): void {
    this.closed = true;
    this.stream?.close();
  }

  /**
   * Seals `text` to `people` (at the group's `epoch`), continuing my chain
   * here, and submits it with `postage` (a voucher) if the relay charges
   * it: the relay's checked receipt.
   */
  async send(text: string, people: Person[], epoch: bigint, postage?: unknown): Promise<{ seq: number; id: string }> {
    const draft = {
      conversation: this.target.id,
      epoch: Number(epoch),
      clientMsgId: hex(crypto.getRandomValues(new Uint8Array(16))),
      seq: (this.mine?.seq ?? 0) + 1,
      previous: this.mine?.id,
    };
    const recipients = people.map((person) => ({
      account: person.accountId,
      key: person.encryptionKey,
      keyVersion: person.keyVersion,
    }));
    const bytes = seal(this.me, draft, recipients, new TextEncoder().encode(text));
    const answer = (await this.relay.submit(this.me, bytes, postage)) as { receipt: { seq: number } };
    const id = (inspect(bytes) as { id: string }).id;
    this.mine = { seq: draft.seq, id };
    return { seq: answer.receipt.seq, id };
  }
}
