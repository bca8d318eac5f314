// The unlocked session: my account, the chain and the relay I use.
import type { Account, Relay } from "../../pkg/inkpost_web.js";
import type { Chain, Person } from "./chain";
import type { Postage } from "./postage";

export interface Session {
  account: Account;
  chain: Chain;
  relay: Relay;
  relayInfo: { account: string; anchorer: string; genesis: string };
  /** The relay's postage, if it charges any. */
  postage?: Postage;
  /** My identity, once registered. */
  me?: Person;
}

let active: Session | undefined;

/** Starts `session` (after a key was unlocked or imported). */
export function begin(session: Session): void {
  active = session;
}

/** The session; throws if no key is unlocked yet. */
export function current(): Session {
  if (!active) throw new Error("unlock or import your key first");
  return active;
}

/** My identity; throws if I have not registered. */
export function me(): Person {
  const person = current().me;
  if (!person) throw new Error("register a handle first");
  return person;
}
