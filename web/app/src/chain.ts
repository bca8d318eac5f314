// The chain as the app uses it: the four contracts through their shipped
// metadata (dedot, with the TypeScript types `npx dedot typink` generated
// from the same files), every transaction dry-run as its signer first (so a
// contract's refusal shows before anything is signed, and gas and storage
// deposit limits come from the signer's own run), the account mapped to its
// contract address before its first call, and amounts converted between the
// chain's native units and the contracts' 18-decimal ones.
import { DedotClient, WsProvider } from "dedot";
import { Contract } from "dedot/contracts";
import { encodeAddress, hexToU8a, u8aToHex } from "dedot/utils";

import type { Account } from "../../pkg/inkpost_web.js";
import type { InkpostAnchorsContractApi } from "./contracts/inkpost-anchors";
import type { InkpostEscrowContractApi } from "./contracts/inkpost-escrow";
import type { InkpostGroupsContractApi, InkpostGroupsGroupsRole } from "./contracts/inkpost-groups";
import type { InkpostIdentityContractApi } from "./contracts/inkpost-identity";
import anchorsMetadata from "../../../contracts/artifacts/inkpost_anchors.json";
import escrowMetadata from "../../../contracts/artifacts/inkpost_escrow.json";
import groupsMetadata from "../../../contracts/artifacts/inkpost_groups.json";
import identityMetadata from "../../../contracts/artifacts/inkpost_identity.json";
import type { Deployment } from "./deployment";

export type Role = InkpostGroupsGroupsRole;

/** A registered identity, as the identity contract holds it. */
export interface Person {
  handle: string;
  /** Contract address (H160). */
  address: string;
  /** sr25519 account id, 0x hex. */
  accountId: string;
  /** X25519 public key, 0x hex. */
  encryptionKey: string;
  keyVersion: number;
}

/** A refusal the user can act on: what happened and what to do next. */
export class ChainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChainError";
  }
}

/** What a contract's typed errors mean for the user. */
const ADVICE: Record<string, string> = {
  HandleTaken: "that handle is taken: choose another",
  InvalidHandle: "a handle is 3–32 of a-z, 0-9 and _, starting with a letter",
  AlreadyRegistered: "this account is registered already",
  NotRegistered: "that account has no handle yet: it must register first",
  WrongDeposit: "the deposit changed: reload and try again",
  NotAuthorized: "only the group's owner or an admin may do that",
  NotAMember: "that account is not in this group",
  AlreadyMember: "that account is in the group already",
  NoSuchGroup: "there is no such group: check its number",
  GroupFull: "the group is full",
  CannotRemoveOwner: "the owner cannot be removed: ownership must pass first",
  ZeroValue: "enter an amount above zero",
  SelfChannel: "you cannot pay yourself",
  ChannelClosed: "that channel is closed: open a new one",
};

function refusal(contract: string, message: string, error: unknown): ChainError {
  const type = typeof error === "string" ? error : (error as { type?: string })?.type ?? JSON.stringify(error);
  const advice = ADVICE[type];
  return new ChainError(`${contract} refused ${message}: ${type}${advice ? ` — ${advice}` : ""}`);
}

/** The runtime's sr25519 signer over the account held in WebAssembly. */
function keyringPair(account: Account, ss58: string) {
  return {
    address: ss58,
    publicKey: hexToU8a(account.accountId),
    // dedot hashes a payload longer than 256 bytes first (as Substrate
    // does) and wants the signature with its MultiSignature type byte.
    sign: (message: Uint8Array) => {
      const signature = hexToU8a(account.signForChain(message));
      const typed = new Uint8Array(65);
      typed[0] = 1; // sr25519
      typed.set(signature, 1);
      return typed;
    },
  };
}

export type Progress = (what: string) => void;

type AnyContract = Contract<any>;

export class Chain {
  readonly ss58: string;
  readonly identity: Contract<InkpostIdentityContractApi>;
  readonly groups: Contract<InkpostGroupsContractApi>;
  readonly anchors: Contract<InkpostAnchorsContractApi>;
  readonly escrow: Contract<InkpostEscrowContractApi>;
  private readonly pair: ReturnType<typeof keyringPair>;
  private ethRatio?: bigint;

  private constructor(
    readonly client: DedotClient,
    readonly deployment: Deployment,
    readonly account: Account,
  ) {
    this.ss58 = encodeAddress(account.accountId, 42);
    this.pair = keyringPair(account, this.ss58);
    this.identity = new Contract<InkpostIdentityContractApi>(client, identityMetadata as any, deployment.identity);
    this.groups = new Contract<InkpostGroupsContractApi>(client, groupsMetadata as any, deployment.groups);
    this.anchors = new Contract<InkpostAnchorsContractApi>(client, anchorsMetadata as any, deployment.anchors);
    this.escrow = new Contract<InkpostEscrowContractApi>(client, escrowMetadata as any, deployment.escrow);
  }

  /** Connects to the node at `url` (ws:// or wss://). */
  static async connect(url: string, deployment: Deployment, account: Account): Promise<Chain> {
    const provider = new WsProvider({ endpoint: url, retryDelayMs: 0 } as any);
    let client: DedotClient;
    try {
      client = await DedotClient.new(provider);
    } catch (error) {
      await provider.disconnect().catch(() => {});
      const reason = error instanceof Error ? `: ${error.message}` : "";
      throw new ChainError(`cannot reach the node at ${url}${reason}; is it running, and is the address right?`);
    }
    return new Chain(client, deployment, account);
  }

  get genesis(): string {
    return this.client.genesisHash;
  }

  async disconnect(): Promise<void> {
    await this.client.disconnect();
  }

  /** Native units per contract (EVM) unit's 10^18: the runtime's ratio. */
  async nativeToEthRatio(): Promise<bigint> {
    this.ethRatio ??= BigInt((this.client.consts as any).revive.nativeToEthRatio);
    return this.ethRatio;
  }

  /** What the contracts count (18 decimals) as native units. */
  async toNative(contractUnits: bigint): Promise<bigint> {
    return contractUnits / (await this.nativeToEthRatio());
  }

  /** My free balance, native units. */
  async balance(ss58 = this.ss58): Promise<bigint> {
    const account = await this.client.query.system.account(ss58);
    return account.data.free;
  }

  /** Whether pallet-revive knows my contract address (mapped). */
  async isMapped(): Promise<boolean> {
    const original = await (this.client.query as any).revive.originalAccount(this.account.address);
    return original !== undefined;
  }

  /**
   * Maps my account to its contract address if it is not yet: pallet-revive
   * refuses even a dry run from an unmapped account.
   */
  async ensureMapped(progress: Progress): Promise<void> {
    if (await this.isMapped()) return;
    progress("Mapping your account to its contract address (once)…");
    const tx = (this.client.tx as any).revive.mapAccount();
    await this.watch(tx, "mapping your account", progress);
  }

  /**
   * Dry-runs `message` as me, then signs and submits it with the limits
   * that run measured, and waits until it is final: the block's events.
   */
  async call(
    contract: AnyContract,
    name: string,
    message: string,
    args: unknown[],
    progress: Progress,
    value = 0n,
  ): Promise<unknown[]> {
    await this.ensureMapped(progress);
    progress(`Checking ${message}…`);
    const query = (contract.query as any)[name] as (...args: unknown[]) => Promise<any>;
    let dryRun;
    try {
      dryRun = await query(...args, { caller: this.ss58, value });
    } catch (error) {
      throw new ChainError(`${message} cannot run: ${(error as Error).message}`);
    }
    const result = dryRun.data as { isErr?: boolean; err?: unknown } | undefined;
    if (result?.isErr) throw refusal(contractName(contract), message, result.err);
    if (dryRun.flags?.revert) throw new ChainError(`${message} was reverted by the contract`);
    // dedot 1.3.0 reads an older pallet-revive's dry-run fields (gasRequired)
    // and would dry-run again before signing, as the contract's default
    // caller if one were set: the limits come from this node's own answer
    // for me, and the call goes to pallet-revive directly.
    const estimate = await (this.client.call as any).reviveApi.call(
      this.ss58,
      contract.address,
      value,
      undefined,
      undefined,
      dryRun.inputData,
    );
    const tx = (this.client.tx as any).revive.call(
      contract.address,
      value,
      estimate.weightRequired,
      estimate.maxStorageDeposit.value,
      dryRun.inputData,
    );
    return this.watch(tx, message, progress);
  }

  /** Signs and submits `tx`, reporting progress until it is final. */
  private async watch(tx: any, message: string, progress: Progress): Promise<unknown[]> {
    progress(`Signing and submitting ${message}…`);
    const result = await new Promise<any>((resolve, reject) => {
      tx.signAndSend(this.pair, (update: any) => {
        const { status } = update;
        if (status.type === "BestChainBlockIncluded") {
          progress(`${message}: in block ${status.value.blockNumber}, waiting for finality…`);
        } else if (status.type === "Finalized") {
          resolve(update);
        } else if (status.type === "Invalid" || status.type === "Drop") {
          reject(new ChainError(`${message} was not accepted: ${status.value.error}; try again`));
        }
      }).catch((error: Error) => reject(new ChainError(`${message} could not be submitted: ${error.message}`)));
    });
    if (result.dispatchError) {
      const meta = this.client.registry.findErrorMeta(result.dispatchError);
      const what = meta ? `${meta.pallet}::${meta.name}` : JSON.stringify(result.dispatchError);
      throw new ChainError(`${message} failed on chain: ${what}`);
    }
    progress(`${message}: final.`);
    return result.events;
  }

  private async read<T>(contract: AnyContract, name: string, args: unknown[]): Promise<T> {
    const query = (contract.query as any)[name] as (...args: unknown[]) => Promise<{ data: T }>;
    // Queries run as the deployer (a mapped account), so reading works
    // before my own account is mapped.
    const caller = encodeAddress(this.deployment.deployer, 42);
    return (await query(...args, { caller })).data;
  }

  // — identity —

  private person(address: string, record: any): Person {
    return {
      handle: record.handle,
      address: address.toLowerCase(),
      accountId: u8aToHex(hexToU8a(record.accountId)),
      encryptionKey: u8aToHex(hexToU8a(record.encryptionKey)),
      keyVersion: record.keyVersion,
    };
  }

  async byHandle(handle: string): Promise<Person | undefined> {
    const found = await this.read<[string, any] | undefined>(this.identity, "byHandle", [handle]);
    return found ? this.person(found[0], found[1]) : undefined;
  }

  async byAddress(address: string): Promise<Person | undefined> {
    const record = await this.read<any>(this.identity, "byAddress", [address]);
    return record ? this.person(address, record) : undefined;
  }

  /** Registers `handle` for me with my encryption key, paying the deposit. */
  async register(handle: string, progress: Progress): Promise<void> {
    const deposit = await this.read<bigint>(this.identity, "deposit", []);
    const value = await this.toNative(BigInt(deposit));
    await this.call(
      this.identity,
      "register",
      `registering @${handle}`,
      [handle, this.account.accountId, this.account.encryptionKey(1)],
      progress,
      value,
    );
  }

  // — groups —

  async createGroup(progress: Progress): Promise<bigint> {
    const events = await this.call(this.groups, "createGroup", "creating a group", [], progress);
    const created = (this.groups.events as any).GroupCreated.find(events);
    if (!created) throw new ChainError("the group was created but its event is missing; reload");
    return BigInt(created.data.group);
  }

  async addMember(group: bigint, who: string, role: Role, progress: Progress): Promise<void> {
    await this.call(this.groups, "addMember", `adding a member to group ${group}`, [group, who, role], progress);
  }

  async removeMember(group: bigint, who: string, progress: Progress): Promise<void> {
    await this.call(this.groups, "removeMember", `removing a member of group ${group}`, [group, who], progress);
  }

  async setRole(group: bigint, who: string, role: Role, progress: Progress): Promise<void> {
    await this.call(this.groups, "setRole", `changing a role in group ${group}`, [group, who, role], progress);
  }

  /** The group's epoch and members with their roles (finalized state). */
  async group(group: bigint): Promise<{ epoch: bigint; owner: string; members: [string, Role][] } | undefined> {
    const state = await this.read<any>(this.groups, "group", [group]);
    if (!state) return undefined;
    const members: [string, Role][] = [];
    const PAGE = 64;
    while (members.length < state.memberCount) {
      const page = await this.read<[string, Role][]>(this.groups, "members", [group, members.length, PAGE]);
      members.push(...page.map(([address, role]) => [address.toLowerCase(), role] as [string, Role]));
      if (page.length < PAGE) break;
    }
    return { epoch: BigInt(state.epoch), owner: String(state.owner).toLowerCase(), members };
  }

  /**
   * Whether `who` (H160) could write in `group` at `epoch`, from the
   * groups contract's role history (false beyond the current epoch).
   */
  async canWriteAt(group: bigint, who: string, epoch: bigint): Promise<boolean> {
    return this.read<boolean>(this.groups, "canWriteAt", [group, who, epoch]);
  }

  // — anchors and escrow —

  async anchoredBatch(submitter: string, seq: number): Promise<{ root: string; leafCount: bigint } | undefined> {
    const batch = await this.read<any>(this.anchors, "batch", [submitter, BigInt(seq)]);
    return batch ? { root: u8aToHex(hexToU8a(batch.root)), leafCount: BigInt(batch.leafCount) } : undefined;
  }

  /**
   * Opens an escrow channel to `payee` (H160) holding `deposit` native
   * units, for about `blocks` blocks; vouchers for it are signed with my
   * account's key. Its id.
   */
  async openChannel(payee: string, deposit: bigint, blocks: number, progress: Progress): Promise<bigint> {
    const now = Number(await (this.client.query as any).system.number());
    const events = await this.call(
      this.escrow,
      "open",
      "opening a payment channel",
      [payee, this.account.accountId, now + blocks],
      progress,
      deposit,
    );
    const opened = (this.escrow.events as any).ChannelOpened.find(events);
    if (!opened) throw new ChainError("the channel was opened but its event is missing; reload");
    return BigInt(opened.data.channel);
  }

  /** A channel's deposit and what it has paid (native units). */
  async channel(id: bigint): Promise<{ deposit: bigint; paid: bigint; payee: string } | undefined> {
    const channel = await this.read<any>(this.escrow, "channel", [id]);
    return channel && { deposit: BigInt(channel.deposit), paid: BigInt(channel.paid), payee: String(channel.payee).toLowerCase() };
  }

  /** Tips `to` (H160) `value` native units for message `messageId`. */
  async tip(to: string, messageId: string, value: bigint, progress: Progress): Promise<void> {
    await this.call(this.escrow, "tip", "tipping", [to, messageId], progress, value);
  }
}

function contractName(contract: AnyContract): string {
  return (contract.metadata as any)?.contract?.name?.replace("inkpost_", "the ") + " contract";
}
