//! Property tests: round trips, tamper detection and hostile input.

use inkpost_sdk::envelope::{Draft, Envelope, EnvelopeError, Recipient, SenderChain};
use inkpost_sdk::ids::{
    AccountId, Address, ChannelId, ClientMsgId, ConversationId, DirectId, Epoch, GroupId,
    KeyVersion, MessageId,
};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::merkle::{MerkleTree, Proof};
use inkpost_sdk::voucher::{SignedVoucher, Voucher};
use proptest::prelude::*;

fn identity() -> impl Strategy<Value = Identity> {
    any::<[u8; 32]>().prop_map(Identity::from_seed)
}

fn conversation() -> impl Strategy<Value = ConversationId> {
    prop_oneof![
        any::<[u8; 32]>().prop_map(|id| ConversationId::Direct(DirectId(id))),
        any::<u64>().prop_map(|id| ConversationId::Group(GroupId(id))),
    ]
}

fn draft() -> impl Strategy<Value = Draft> {
    (
        conversation(),
        any::<u64>(),
        any::<u64>(),
        any::<[u8; 16]>(),
    )
        .prop_map(|(conversation, epoch, sent_at_ms, client_msg_id)| Draft {
            conversation,
            epoch: Epoch(epoch),
            sent_at_ms,
            client_msg_id: ClientMsgId(client_msg_id),
            chain: SenderChain::FIRST,
        })
}

fn recipient(identity: &Identity, version: u32) -> Recipient {
    Recipient {
        account: identity.account_id(),
        key: identity.encryption_key(KeyVersion(version)),
        key_version: KeyVersion(version),
    }
}

/// A sealed envelope, its readers and its plaintext.
fn sealed() -> impl Strategy<Value = (Envelope, Vec<Identity>, Vec<u8>)> {
    (
        identity(),
        proptest::collection::vec((identity(), 0u32..4), 1..5),
        draft(),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(sender, readers, draft, plaintext)| {
            let recipients: Vec<_> = readers.iter().map(|(id, v)| recipient(id, *v)).collect();
            let envelope = Envelope::seal(&sender, draft, &recipients, &plaintext)
                .expect("valid recipients seal");
            let readers = readers.into_iter().map(|(identity, _)| identity).collect();
            (envelope, readers, plaintext)
        })
}

/// The id list of a random tree and a position in it.
fn tree_and_index() -> impl Strategy<Value = (Vec<MessageId>, usize)> {
    proptest::collection::vec(any::<[u8; 32]>().prop_map(MessageId), 1..300).prop_flat_map(|ids| {
        let len = ids.len();
        (Just(ids), 0..len)
    })
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut flipped = bytes.to_vec();
    flipped[bit / 8] ^= 1 << (bit % 8);
    flipped
}

/// Whether the bytes, as received, would be accepted as a genuine envelope.
fn accepted(bytes: &[u8]) -> bool {
    Envelope::from_bytes(bytes)
        .and_then(|envelope| envelope.verify())
        .is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn envelopes_round_trip_and_every_recipient_decrypts((envelope, readers, plaintext) in sealed()) {
        let bytes = envelope.to_bytes();
        let decoded = Envelope::from_bytes(&bytes).unwrap();
        prop_assert_eq!(&decoded, &envelope);
        prop_assert_eq!(decoded.to_bytes(), bytes);
        prop_assert_eq!(decoded.id(), envelope.id());
        for reader in &readers {
            prop_assert_eq!(&decoded.open(reader).unwrap(), &plaintext);
        }
    }

    #[test]
    fn any_flipped_bit_is_rejected((envelope, _, _) in sealed(), bit in any::<prop::sample::Index>()) {
        let bytes = envelope.to_bytes();
        prop_assert!(!accepted(&flip(&bytes, bit.index(bytes.len() * 8))));
    }

    #[test]
    fn flipped_bits_in_header_ciphertext_and_signature_are_rejected(
        (envelope, readers, _) in sealed(),
        bit in any::<prop::sample::Index>(),
    ) {
        let bytes = envelope.to_bytes();
        let header_len = 1 + parity_scale_codec::Encode::encoded_size(&envelope.header);
        let ciphertext_len = envelope.payload.ciphertext.len();
        let signature_start = bytes.len() - 64;
        let regions = [
            (0, header_len),
            (signature_start - ciphertext_len, signature_start),
            (signature_start, bytes.len()),
        ];
        for (start, end) in regions {
            let flipped = flip(&bytes, start * 8 + bit.index((end - start) * 8));
            prop_assert!(!accepted(&flipped));
            if let Ok(tampered) = Envelope::from_bytes(&flipped) {
                prop_assert!(tampered.open(&readers[0]).is_err());
            }
        }
    }

    #[test]
    fn a_non_recipient_cannot_decrypt((envelope, readers, _) in sealed(), outsider in identity()) {
        prop_assume!(readers.iter().all(|r| r.account_id() != outsider.account_id()));
        prop_assert_eq!(
            envelope.open(&outsider),
            Err(EnvelopeError::NotARecipient(outsider.account_id()))
        );
    }

    #[test]
    fn a_recipient_entry_wrapped_to_another_key_does_not_decrypt(
        sender in identity(), reader in identity(), impostor in identity(), plaintext in any::<Vec<u8>>(),
        draft in draft(),
    ) {
        prop_assume!(reader.account_id() != impostor.account_id());
        let wrong = Recipient { account: reader.account_id(), ..recipient(&impostor, 1) };
        let envelope = Envelope::seal(&sender, draft, &[wrong], &plaintext).unwrap();
        prop_assert_eq!(envelope.open(&reader), Err(EnvelopeError::DecryptFailed));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_accepted_bytes_are_canonical(tail in any::<Vec<u8>>()) {
        // With and without a valid version byte, so decoding gets past it.
        let versioned = [&[inkpost_sdk::envelope::ENVELOPE_VERSION][..], &tail].concat();
        for bytes in [tail, versioned] {
            if let Ok(envelope) = Envelope::from_bytes(&bytes) {
                prop_assert_eq!(envelope.to_bytes(), bytes.clone());
            }
            if let Ok(proof) = Proof::from_bytes(&bytes) {
                prop_assert_eq!(proof.to_bytes(), bytes);
            }
        }
    }

    #[test]
    fn every_leaf_of_random_trees_proves((ids, index) in tree_and_index()) {
        let tree = MerkleTree::build(&ids).unwrap();
        let root = tree.root();
        for (position, id) in ids.iter().enumerate() {
            let proof = Proof::from_bytes(&tree.proof(position as u64).unwrap().to_bytes()).unwrap();
            prop_assert!(proof.verify(&root, id).is_ok());
        }
        // A proof for one leaf does not prove a different id.
        let proof = tree.proof(index as u64).unwrap();
        let stranger = MessageId([!ids[index].0[0]; 32]);
        prop_assume!(!ids.contains(&stranger));
        prop_assert!(proof.verify(&root, &stranger).is_err());
    }

    #[test]
    fn any_flipped_bit_in_a_proof_is_rejected((ids, index) in tree_and_index(), bit in any::<prop::sample::Index>()) {
        let tree = MerkleTree::build(&ids).unwrap();
        let bytes = tree.proof(index as u64).unwrap().to_bytes();
        let flipped = flip(&bytes, bit.index(bytes.len() * 8));
        let verdict = Proof::from_bytes(&flipped).and_then(|proof| proof.verify(&tree.root(), &ids[index]));
        prop_assert!(verdict.is_err());
        // Flipping a bit of the root instead is rejected too.
        let mut root = tree.root();
        root[bit.index(32)] ^= 1;
        prop_assert!(tree.proof(index as u64).unwrap().verify(&root, &ids[index]).is_err());
    }

    #[test]
    fn vouchers_bind_every_field(
        payer in identity(), other in identity(),
        domain in any::<[u8; 32]>(), contract in any::<[u8; 20]>(), channel in any::<u64>(), amount in any::<u128>(),
        field in 0usize..5,
    ) {
        prop_assume!(payer.account_id() != other.account_id());
        let voucher = Voucher { domain, contract: Address(contract), channel: ChannelId(channel), cumulative: amount };
        let signed = voucher.sign(&payer);
        prop_assert!(signed.verify(&payer.account_id()).is_ok());
        let mut forged: SignedVoucher = signed;
        let mut signer: AccountId = payer.account_id();
        match field {
            0 => forged.voucher.domain[0] ^= 1,
            1 => forged.voucher.contract.0[19] ^= 1,
            2 => forged.voucher.channel.0 ^= 1,
            3 => forged.voucher.cumulative ^= 1,
            _ => signer = other.account_id(),
        }
        prop_assert!(forged.verify(&signer).is_err());
    }
}
