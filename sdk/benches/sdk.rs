//! Benchmarks of the client library's hot paths.
//!
//! Run with `scripts/bench.sh sdk` (or `cargo bench -p inkpost-sdk`). Targets
//! from the foundation issue: Merkle proof verification under 50 µs, and
//! encrypt+sign for 100 recipients under 10 ms on one core. The first group
//! is a baseline (one BLAKE2b-256 of 1 KiB) to compare machines by ratio.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use inkpost_sdk::continuity::{Continuity, SenderChains};
use inkpost_sdk::envelope::{Draft, Envelope, Recipient, SenderChain};
use inkpost_sdk::hash::blake2_256;
use inkpost_sdk::ids::{ClientMsgId, ConversationId, Epoch, GroupId, KeyVersion, MessageId};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::merkle::{MerkleTree, Proof};

fn recipients(count: usize) -> (Vec<Identity>, Vec<Recipient>) {
    let identities: Vec<_> = (0..count as u64)
        .map(|i| Identity::from_seed(blake2_256(&[&i.to_le_bytes()])))
        .collect();
    let recipients = identities
        .iter()
        .map(|identity| Recipient {
            account: identity.account_id(),
            key: identity.encryption_key(KeyVersion(1)),
            key_version: KeyVersion(1),
        })
        .collect();
    (identities, recipients)
}

fn draft() -> Draft {
    Draft {
        conversation: ConversationId::Group(GroupId(1)),
        epoch: Epoch(1),
        sent_at_ms: 1_700_000_000_000,
        client_msg_id: ClientMsgId([7; 16]),
        chain: SenderChain::FIRST,
    }
}

fn ids(count: u64) -> Vec<MessageId> {
    (0..count)
        .map(|i| MessageId(blake2_256(&[&i.to_le_bytes()])))
        .collect()
}

fn baseline(c: &mut Criterion) {
    let data = [0x5a; 1024];
    c.bench_function("baseline/blake2b-256 of 1 KiB", |b| {
        b.iter(|| blake2_256(&[black_box(&data)]))
    });
}

fn envelopes(c: &mut Criterion) {
    let sender = Identity::from_suri("//Alice").expect("dev URI");
    let body = [0x42u8; 1024];
    let mut group = c.benchmark_group("envelope/encrypt+sign 1 KiB");
    for count in [1usize, 10, 100, 1000] {
        let (_, recipients) = recipients(count);
        group.throughput(Throughput::Elements(count as u64));
        if count >= 100 {
            group.sample_size(20);
        }
        group.bench_with_input(
            BenchmarkId::from_parameter(count),
            &recipients,
            |b, recipients| {
                b.iter(|| {
                    Envelope::seal(&sender, draft(), recipients, black_box(&body)).expect("seal")
                })
            },
        );
    }
    group.finish();

    let (readers, recipients) = recipients(100);
    let envelope = Envelope::seal(&sender, draft(), &recipients, &body).expect("seal");
    let bytes = envelope.to_bytes();
    c.bench_function("envelope/decode+verify+decrypt (100 recipients)", |b| {
        b.iter(|| {
            Envelope::from_bytes(black_box(&bytes))
                .and_then(|envelope| envelope.open(&readers[57]))
                .expect("open")
        })
    });
    c.bench_function("envelope/decode+verify (100 recipients)", |b| {
        b.iter(|| {
            Envelope::from_bytes(black_box(&bytes))
                .and_then(|envelope| envelope.verify())
                .expect("verify")
        })
    });
}

/// Reading a page of 100 messages from 3 senders as the CLI does: decode,
/// check the id and signature, open (with the content-key commitment), then
/// follow each sender's chain. The first variant leaves out the chain and
/// commitment checks that envelope v2 added, as a ratio's baseline.
fn read_page(c: &mut Criterion) {
    let senders: Vec<_> = ["//Alice", "//Bob", "//Charlie"]
        .iter()
        .map(|uri| Identity::from_suri(uri).expect("dev URI"))
        .collect();
    let (readers, recipients) = recipients(10);
    let body = [0x42u8; 1024];
    let mut chains = vec![SenderChain::FIRST; senders.len()];
    let page: Vec<(MessageId, Vec<u8>)> = (0..100)
        .map(|n| {
            let who = n % senders.len();
            let draft = Draft {
                chain: chains[who],
                ..draft()
            };
            let envelope = Envelope::seal(&senders[who], draft, &recipients, &body).expect("seal");
            chains[who] = chains[who].next(envelope.id());
            (envelope.id(), envelope.to_bytes())
        })
        .collect();
    let reader = &readers[3];
    let mut group = c.benchmark_group("read 100 messages (1 KiB, 10 recipients)");
    group.sample_size(20);
    group.bench_function("decode+id+verify+open", |b| {
        b.iter(|| {
            for (id, bytes) in &page {
                let envelope = Envelope::from_bytes(black_box(bytes)).expect("decode");
                assert_eq!(envelope.id(), *id);
                envelope.verify().expect("verify");
                envelope.open(reader).expect("open");
            }
        })
    });
    group.bench_function("decode+id+verify+open+sender chains", |b| {
        b.iter(|| {
            let mut seen = SenderChains::new(true);
            for (id, bytes) in &page {
                let envelope = Envelope::from_bytes(black_box(bytes)).expect("decode");
                assert_eq!(envelope.id(), *id);
                envelope.verify().expect("verify");
                envelope.open(reader).expect("open");
                let header = &envelope.header;
                assert_eq!(
                    seen.observe(header.sender, header.chain, *id),
                    Continuity::InOrder
                );
            }
        })
    });
    group.finish();
}

fn merkle(c: &mut Criterion) {
    let leaves = ids(100_000);
    let mut group = c.benchmark_group("merkle");
    group.sample_size(20);
    group.throughput(Throughput::Elements(leaves.len() as u64));
    group.bench_function("build 100,000 leaves", |b| {
        b.iter(|| MerkleTree::build(black_box(&leaves)).expect("build"))
    });
    group.finish();

    let tree = MerkleTree::build(&leaves).expect("build");
    let root = tree.root();
    let index = 77_777u64;
    let bytes = tree.proof(index).expect("proof").to_bytes();
    c.bench_function("merkle/decode+verify proof (100,000 leaves)", |b| {
        b.iter(|| {
            Proof::from_bytes(black_box(&bytes))
                .and_then(|proof| proof.verify(&root, &leaves[index as usize]))
                .expect("verify")
        })
    });
    c.bench_function("merkle/make proof (100,000 leaves)", |b| {
        b.iter_batched(|| index, |index| tree.proof(index), BatchSize::SmallInput)
    });
}

criterion_group!(benches, baseline, envelopes, read_page, merkle);
criterion_main!(benches);
