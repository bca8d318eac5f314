//! A removal in a block that is not final yet: the relay ends the removed
//! member's stream and reads at once, and senders no longer encrypt to them,
//! though relays and readers otherwise act on finalized blocks. On a world
//! of its own whose finality the test holds (`World::with_test_finality`).

use inkpost_sdk::chain::Finality;
use inkpost_sdk::contracts::{Role, groups};
use inkpost_sdk::ids::GroupId;
use inkpost_tests::within;
use inkpost_tests::world::{World, identity, signer};
use serde_json::Value;

use crate::kit::{Lines, System};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_not_final_yet_ends_the_member_s_access_and_messages_to_them() {
    let (world, finality) = tokio::task::spawn_blocking(World::with_test_finality)
        .await
        .unwrap();
    let system = System::start_in(world, "finality-removal", &["--anchoring", "false"]).await;
    let chain = world.chain().await;
    let group = system.group(&["bob", "charlie"]).await;
    let id = GroupId(group.parse().unwrap());
    let charlie = identity("//Charlie").address();
    // Given Charlie follows the group live
    let (mut writer, mut seen) = Lines::new();
    let follow_args = ["--json", "read", "--group", &group, "--follow"];
    let follow = system.cli_to("//Charlie", &follow_args, &mut writer);
    let alice_acts = async {
        system
            .ok("//Alice", &["send", "--group", &group, "for all three"])
            .await;
        within(60, "Charlie's stream delivers", seen.recv())
            .await
            .unwrap();
        // When finality stalls and Alice removes Charlie in a best block
        finality.hold().await;
        let remove = groups::remove_member(id, &charlie);
        let groups = world.deployment.groups;
        let alice = signer("//Alice");
        chain
            .call(&alice, groups, 0, &remove, Finality::InBlock)
            .await
            .unwrap();
    };
    // Then his stream is revoked though the removal is not final
    let (followed, ()) = tokio::join!(within(60, "the stream ends", follow), alice_acts);
    let revoked = followed.unwrap_err();
    assert_eq!(revoked.exit_code(), 4, "{revoked}");
    assert!(revoked.to_string().contains("revoked"), "{revoked}");
    let at_finalized: Option<Role> = chain
        .query(
            &identity("//Alice").account_id(),
            world.deployment.groups,
            &groups::role_of(id, &charlie),
        )
        .await
        .unwrap();
    assert_eq!(at_finalized, Some(Role::Member), "the removal became final");
    // And he can no longer read
    let refused = system
        .cli("//Charlie", &["read", "--group", &group])
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 4, "{refused}");
    // And Bob's next message is encrypted to Alice and Bob only
    let sent: Value = system
        .json("//Bob", &["send", "--group", &group, "not for Charlie"])
        .await;
    assert_eq!(sent["recipients"], 2, "{sent}");
    finality.release().await;
    system.stop().await;
}
