// Paying a relay's postage from an escrow channel, as the CLI does: the
// channel is opened on chain to the relay's payee; each message carries a
// voucher for one more message's price, never for more than this browser's
// own ledger of what it signed plus that price, and only while the price is
// at most what it was when the channel was opened. The ledger is written
// before a voucher leaves.
import type { Account, Relay } from "../../pkg/inkpost_web.js";
import type { Chain, Progress } from "./chain";

export interface Terms {
  /** Native units per message (decimal). */
  price: string;
  escrow: string;
  payee: string;
  domain: string;
}

interface Held {
  channel: string;
  /** The most we pay per message: the price when the channel was opened. */
  cap: string;
}

export class Postage {
  private constructor(
    private readonly relay: Relay,
    private readonly chain: Chain,
    private readonly account: Account,
    private readonly relayAccount: string,
    readonly terms: Terms,
  ) {}

  /** The relay's postage, or undefined if it charges none. */
  static async of(relay: Relay, chain: Chain, account: Account, relayAccount: string): Promise<Postage | undefined> {
    const terms = (await relay.postageTerms()) as Terms | null;
    if (!terms) return undefined;
    if (terms.escrow.toLowerCase() !== chain.deployment.escrow) {
      throw new Error(`the relay takes postage through escrow ${terms.escrow}, not this deployment's: use another relay`);
    }
    return new Postage(relay, chain, account, relayAccount, terms);
  }

  private get heldKey(): string {
    return `inkpost.channel.${this.account.accountId}.${this.relayAccount}`;
  }

  private ledgerKey(channel: string): string {
    return `inkpost.postage.${this.chain.genesis}.${this.terms.escrow.toLowerCase()}.${channel}`;
  }

  /** My channel to this relay, if I opened one here. */
  get held(): Held | undefined {
    const text = localStorage.getItem(this.heldKey);
    return text ? (JSON.parse(text) as Held) : undefined;
  }

  /** Opens a channel to the relay holding `deposit` native units. */
  async open(deposit: bigint, progress: Progress): Promise<bigint> {
    // About a week of 6-second blocks: the payee may claim until then.
    const channel = await this.chain.openChannel(this.terms.payee, deposit, 100_000, progress);
    const held: Held = { channel: channel.toString(), cap: this.terms.price };
    localStorage.setItem(this.heldKey, JSON.stringify(held));
    return channel;
  }

  /** The voucher for one more message, recorded as signed. */
  async voucher(): Promise<unknown> {
    const held = this.held;
    if (!held) throw new Error("this relay charges postage: open a payment channel to it first (under You)");
    const recorded = localStorage.getItem(this.ledgerKey(held.channel));
    // Nothing signed in this browser yet: what the channel paid so far.
    const signed = recorded ?? (await this.chain.channel(BigInt(held.channel)))?.paid.toString();
    if (signed === undefined) throw new Error(`channel ${held.channel} is closed: open a new one`);
    const { voucher, cumulative } = (await this.relay.postageVoucher(
      this.account,
      this.terms.escrow,
      this.terms.domain,
      held.channel,
      signed,
      held.cap,
    )) as { voucher: unknown; cumulative: string };
    if (BigInt(cumulative) > BigInt(signed)) localStorage.setItem(this.ledgerKey(held.channel), cumulative);
    return voucher;
  }
}
