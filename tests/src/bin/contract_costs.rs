//! Measures what every contract message costs on a real ink-node.
//!
//! ```sh
//! contract_costs <ws-url> <artifacts-dir>   # prints a Markdown report
//! ```
//!
//! Deploys the release builds in `<artifacts-dir>` (`<name>.polkavm` and
//! `<name>.json`, from `scripts/build-contracts.sh`), then plays a scenario
//! that reaches every message. Each message is dry-run in the state it is
//! about to be executed in, and its `weight_required` (ref_time, proof_size) and
//! storage deposit are recorded; the baseline contract's `flip` is measured
//! the same way so that the figures can be read as ratios. Selectors are
//! checked against the contracts' metadata before anything is sent.
//! `scripts/contract-costs.sh` runs it on a fresh dev node and writes
//! `docs/contract-costs.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use inkpost_sdk::chain::{Chain, DryRun, Finality, Sr25519Signer, StorageDeposit};
use inkpost_sdk::contracts::escrow::MIN_DISPUTE_WINDOW;
use inkpost_sdk::contracts::{ink_input, u256};
use inkpost_sdk::ids::{Address, ChannelId, KeyVersion, MessageId};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::merkle::MerkleTree;
use inkpost_sdk::units::TOKEN;
use inkpost_sdk::voucher::Voucher;
use parity_scale_codec::{Decode, Encode};

struct Row {
    contract: &'static str,
    message: String,
    dry_run: DryRun,
}

struct Bench {
    chain: Chain,
    artifacts: PathBuf,
    selectors: BTreeMap<&'static str, BTreeMap<String, String>>,
    addresses: BTreeMap<&'static str, Address>,
    rows: Vec<Row>,
}

impl Bench {
    /// Loads a contract's metadata and remembers its selectors by label.
    fn load_selectors(&mut self, name: &'static str) -> anyhow::Result<()> {
        let path = self.artifacts.join(format!("{name}.json"));
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
        let metadata: serde_json::Value = serde_json::from_str(&text)?;
        let spec = &metadata["spec"];
        let mut selectors = BTreeMap::new();
        for kind in ["messages", "constructors"] {
            for entry in spec[kind].as_array().context("spec lists")? {
                let label = entry["label"].as_str().context("label")?.to_owned();
                let selector = entry["selector"].as_str().context("selector")?.to_owned();
                selectors.insert(label, selector);
            }
        }
        self.selectors.insert(name, selectors);
        Ok(())
    }

    /// The input for `message`, after checking the computed selector against
    /// the metadata's.
    fn input(
        &self,
        contract: &'static str,
        message: &str,
        args: impl Encode,
    ) -> anyhow::Result<Vec<u8>> {
        let input = ink_input(message, args);
        let computed = format!("0x{}", hex::encode(&input[..4]));
        let listed = self.selectors[contract]
            .get(message)
            .with_context(|| format!("{contract} has no message `{message}`"))?;
        ensure!(
            *listed == computed,
            "{contract}::{message}: metadata says {listed}, computed {computed}"
        );
        Ok(input)
    }

    async fn deploy(
        &mut self,
        signer: &Sr25519Signer,
        name: &'static str,
        args: impl Encode,
    ) -> anyhow::Result<Address> {
        self.load_selectors(name)?;
        let code_path = self.artifacts.join(format!("{name}.polkavm"));
        let code =
            std::fs::read(&code_path).with_context(|| format!("read {}", code_path.display()))?;
        let input = self.input(name, "new", args)?;
        let deployed = self
            .chain
            .instantiate(signer, &code, &input, 0, [7; 32], Finality::InBlock)
            .await
            .with_context(|| format!("deploy {name}"))?;
        self.rows.push(Row {
            contract: name,
            message: format!("new (deploy, {} B code)", code.len()),
            dry_run: deployed.dry_run,
        });
        self.addresses.insert(name, deployed.address);
        Ok(deployed.address)
    }

    /// Dry-runs, records and executes a message; returns its output after the
    /// `Ok` of ink!'s `MessageResult` (and of the message's own `Result`, if
    /// `fallible`).
    async fn call(
        &mut self,
        signer: &Sr25519Signer,
        contract: &'static str,
        label: &str,
        message: &str,
        args: impl Encode,
        value: u128,
    ) -> anyhow::Result<Vec<u8>> {
        let input = self.input(contract, message, args)?;
        let outcome = self
            .chain
            .call(
                signer,
                self.addresses[contract],
                value,
                &input,
                Finality::InBlock,
            )
            .await
            .with_context(|| format!("{contract}::{label}"))?;
        let data = outcome.dry_run.data.clone();
        self.rows.push(Row {
            contract,
            message: label.to_owned(),
            dry_run: outcome.dry_run,
        });
        ensure!(
            data.first() == Some(&0),
            "{contract}::{label}: ink! LangError"
        );
        Ok(data[1..].to_vec())
    }

    /// Dry-runs and records a read-only message.
    async fn query(
        &mut self,
        origin: &Identity,
        contract: &'static str,
        label: &str,
        message: &str,
        args: impl Encode,
    ) -> anyhow::Result<()> {
        let input = self.input(contract, message, args)?;
        let dry_run = self
            .chain
            .dry_run_call(&origin.account_id(), self.addresses[contract], 0, &input)
            .await?;
        ensure!(!dry_run.reverted, "{contract}::{label} reverted");
        self.rows.push(Row {
            contract,
            message: format!("{label} (query)"),
            dry_run,
        });
        Ok(())
    }

    async fn best_block(&self) -> anyhow::Result<u32> {
        Ok(u32::try_from(self.chain.best_number().await?)?)
    }

    /// Produces one block (a baseline flip) so that block-based windows pass.
    async fn next_block(&self, signer: &Sr25519Signer) -> anyhow::Result<()> {
        let input = ink_input("flip", ());
        self.chain
            .call(
                signer,
                self.addresses["inkpost_baseline"],
                0,
                &input,
                Finality::InBlock,
            )
            .await?;
        Ok(())
    }
}

/// Decodes `Ok(value)` of a message returning `Result<T, Error>`.
fn ok<T: Decode>(output: &[u8]) -> anyhow::Result<T> {
    match output.split_first() {
        Some((0, mut rest)) => Ok(T::decode(&mut rest)?),
        _ => bail!("message returned Err"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(artifacts)) = (args.next(), args.next()) else {
        bail!("usage: contract_costs <ws-url> <artifacts-dir>");
    };
    let chain = Chain::connect(&url).await?;
    // Contract value units per native unit, from the runtime.
    let unit = chain.native_to_eth_ratio();
    let mut bench = Bench {
        chain,
        artifacts: Path::new(&artifacts).to_path_buf(),
        selectors: BTreeMap::new(),
        addresses: BTreeMap::new(),
        rows: Vec::new(),
    };
    let [alice, bob, charlie] = ["//Alice", "//Bob", "//Charlie"]
        .map(|uri| Sr25519Signer::new(Identity::from_suri(uri).expect("dev URI")));
    for signer in [&alice, &bob, &charlie] {
        bench.chain.map_account(signer).await?;
    }
    let id = |signer: &Sr25519Signer| signer.identity().clone();
    let addr = |signer: &Sr25519Signer| signer.identity().address();

    // Baseline: one bool, one Mapping insert, one event.
    bench.deploy(&alice, "inkpost_baseline", ()).await?;
    bench
        .call(&alice, "inkpost_baseline", "flip", "flip", (), 0)
        .await?;

    // Identity.
    let identity = bench
        .deploy(&alice, "inkpost_identity", u256(TOKEN * unit))
        .await?;
    for (signer, handle) in [(&alice, "alice"), (&bob, "bob"), (&charlie, "charlie")] {
        let who = signer.identity();
        let args = (
            handle.to_owned(),
            who.account_id().0,
            who.encryption_key(KeyVersion(1)).0,
        );
        let output = bench
            .call(
                signer,
                "inkpost_identity",
                "register",
                "register",
                args,
                TOKEN,
            )
            .await?;
        ok::<()>(&output)?;
    }
    let rotated = id(&alice).encryption_key(KeyVersion(2)).0;
    ok::<u32>(
        &bench
            .call(
                &alice,
                "inkpost_identity",
                "rotate_key",
                "rotate_key",
                rotated,
                0,
            )
            .await?,
    )?;
    bench
        .query(
            &id(&bob),
            "inkpost_identity",
            "by_handle",
            "by_handle",
            "alice".to_owned(),
        )
        .await?;
    bench
        .query(
            &id(&bob),
            "inkpost_identity",
            "by_address",
            "by_address",
            addr(&alice).0,
        )
        .await?;
    bench
        .query(
            &id(&bob),
            "inkpost_identity",
            "is_registered",
            "is_registered",
            addr(&alice).0,
        )
        .await?;

    // Groups.
    bench
        .deploy(&alice, "inkpost_groups", (identity.0, 64u32))
        .await?;
    let group: u64 = ok(&bench
        .call(
            &alice,
            "inkpost_groups",
            "create_group",
            "create_group",
            (),
            0,
        )
        .await?)?;
    let (reader, member, admin) = (0u8, 1u8, 2u8);
    bench
        .call(
            &alice,
            "inkpost_groups",
            "add_member (cross-contract check)",
            "add_member",
            (group, addr(&bob).0, member),
            0,
        )
        .await?;
    bench
        .call(
            &alice,
            "inkpost_groups",
            "add_member (second)",
            "add_member",
            (group, addr(&charlie).0, reader),
            0,
        )
        .await?;
    bench
        .call(
            &alice,
            "inkpost_groups",
            "set_role",
            "set_role",
            (group, addr(&bob).0, admin),
            0,
        )
        .await?;
    bench
        .query(
            &id(&bob),
            "inkpost_groups",
            "role_of",
            "role_of",
            (group, addr(&bob).0),
        )
        .await?;
    bench
        .query(
            &id(&bob),
            "inkpost_groups",
            "can_write",
            "can_write",
            (group, addr(&bob).0),
        )
        .await?;
    bench
        .query(
            &id(&bob),
            "inkpost_groups",
            "members (3 of 3)",
            "members",
            (group, 0u32, 64u32),
        )
        .await?;
    bench
        .query(&id(&bob), "inkpost_groups", "epoch", "epoch", group)
        .await?;
    // What a reader asks once per sender and epoch: Bob's role at epoch 2,
    // before set_role made him admin (a search over his role history).
    bench
        .query(
            &id(&bob),
            "inkpost_groups",
            "role_at (a past epoch)",
            "role_at",
            (group, addr(&bob).0, 2u64),
        )
        .await?;
    bench
        .call(
            &bob,
            "inkpost_groups",
            "remove_member",
            "remove_member",
            (group, addr(&charlie).0),
            0,
        )
        .await?;
    bench
        .call(
            &alice,
            "inkpost_groups",
            "transfer_ownership",
            "transfer_ownership",
            (group, addr(&bob).0),
            0,
        )
        .await?;
    bench
        .call(&alice, "inkpost_groups", "leave", "leave", group, 0)
        .await?;

    // Anchors: one root stands for any number of messages.
    bench.deploy(&alice, "inkpost_anchors", ()).await?;
    let mut anchor_rows = Vec::new();
    for (seq, leaves) in [(1u64, 1u64), (2, 1_000), (3, 100_000)] {
        let ids: Vec<MessageId> = (0..leaves)
            .map(|i| {
                MessageId(inkpost_sdk::hash::blake2_256(&[
                    &seq.to_le_bytes(),
                    &i.to_le_bytes(),
                ]))
            })
            .collect();
        let root = MerkleTree::build(&ids)?.root();
        let label = format!("anchor ({leaves} leaves)");
        bench
            .call(
                &alice,
                "inkpost_anchors",
                &label,
                "anchor",
                (seq, root, leaves),
                0,
            )
            .await?;
        anchor_rows.push((leaves, bench.rows.len() - 1));
    }
    bench
        .call(
            &bob,
            "inkpost_anchors",
            "anchor_hash",
            "anchor_hash",
            [9u8; 32],
            0,
        )
        .await?;
    bench
        .query(&id(&bob), "inkpost_anchors", "lookup", "lookup", [9u8; 32])
        .await?;
    bench
        .query(
            &id(&bob),
            "inkpost_anchors",
            "batch",
            "batch",
            (addr(&alice).0, 1u64),
        )
        .await?;
    bench
        .query(
            &id(&bob),
            "inkpost_anchors",
            "latest_seq",
            "latest_seq",
            addr(&alice).0,
        )
        .await?;

    // Escrow, with vouchers signed by the SDK.
    let domain = bench.chain.genesis_hash();
    let escrow = bench
        .deploy(
            &alice,
            "inkpost_escrow",
            (domain, u256(unit), MIN_DISPUTE_WINDOW),
        )
        .await?;
    let expiry = bench.best_block().await? + 1_000;
    let open_args = (addr(&bob).0, id(&alice).account_id().0, expiry);
    let channel: u64 = ok(&bench
        .call(
            &alice,
            "inkpost_escrow",
            "open",
            "open",
            open_args,
            10 * TOKEN,
        )
        .await?)?;
    bench
        .call(&alice, "inkpost_escrow", "top_up", "top_up", channel, TOKEN)
        .await?;
    for cumulative in [TOKEN, 2 * TOKEN] {
        let voucher = Voucher {
            domain,
            contract: escrow,
            channel: ChannelId(channel),
            cumulative,
        }
        .sign(alice.identity());
        let label = if cumulative == TOKEN {
            "claim (first)"
        } else {
            "claim (later)"
        };
        bench
            .call(
                &bob,
                "inkpost_escrow",
                label,
                "claim",
                (channel, cumulative, voucher.signature.0),
                0,
            )
            .await?;
    }
    bench
        .call(
            &alice,
            "inkpost_escrow",
            "start_close",
            "start_close",
            channel,
            0,
        )
        .await?;
    for _ in 0..MIN_DISPUTE_WINDOW {
        bench.next_block(&charlie).await?;
    }
    bench
        .call(&alice, "inkpost_escrow", "finalize", "finalize", channel, 0)
        .await?;
    let expiry = bench.best_block().await? + 2;
    let args = (addr(&bob).0, id(&alice).account_id().0, expiry);
    let short: u64 = ok(&bench
        .call(
            &alice,
            "inkpost_escrow",
            "open (second)",
            "open",
            args,
            TOKEN,
        )
        .await?)?;
    bench.next_block(&charlie).await?;
    bench.next_block(&charlie).await?;
    bench
        .call(&alice, "inkpost_escrow", "refund", "refund", short, 0)
        .await?;
    bench
        .call(
            &alice,
            "inkpost_escrow",
            "tip",
            "tip",
            (addr(&bob).0, [0x42u8; 32]),
            TOKEN,
        )
        .await?;
    bench
        .query(&id(&bob), "inkpost_escrow", "channel", "channel", channel)
        .await?;

    // Identity release last: it refunds the deposit.
    bench
        .call(&charlie, "inkpost_identity", "release", "release", (), 0)
        .await?;

    print_report(&bench.rows, &anchor_rows);
    Ok(())
}

fn ms(ref_time: u64) -> f64 {
    ref_time as f64 / 1e9
}

fn print_report(rows: &[Row], anchors: &[(u64, usize)]) {
    let baseline = rows
        .iter()
        .find(|row| row.message == "flip")
        .map(|row| row.dry_run.weight_required)
        .expect("baseline measured");
    println!(
        "| contract | message | ref_time (ms) | proof_size (B) | storage deposit (native) | ref_time ÷ baseline | proof_size ÷ baseline |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for row in rows {
        let gas = row.dry_run.weight_required;
        let deposit = match row.dry_run.storage_deposit {
            StorageDeposit::Charge(amount) => format!("{amount}"),
            StorageDeposit::Refund(amount) => format!("−{amount}"),
        };
        println!(
            "| {} | {} | {:.3} | {} | {} | {:.2} | {:.2} |",
            row.contract.trim_start_matches("inkpost_"),
            row.message,
            ms(gas.ref_time),
            gas.proof_size,
            deposit,
            gas.ref_time as f64 / baseline.ref_time as f64,
            gas.proof_size as f64 / baseline.proof_size as f64,
        );
    }
    println!();
    println!("Anchoring cost per message (one root stands for the whole batch):");
    println!();
    println!("| leaves | ref_time per message (ms) | proof_size per message (B) |");
    println!("|---:|---:|---:|");
    for (leaves, index) in anchors {
        let gas = rows[*index].dry_run.weight_required;
        println!(
            "| {leaves} | {:.6} | {:.3} |",
            ms(gas.ref_time) / *leaves as f64,
            gas.proof_size as f64 / *leaves as f64
        );
    }
}
