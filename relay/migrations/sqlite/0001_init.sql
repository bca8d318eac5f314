-- Envelopes, in arrival order (row_id) and per-conversation order (seq).
CREATE TABLE envelopes (
    row_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    id              BLOB    NOT NULL UNIQUE,
    conversation    TEXT    NOT NULL,
    seq             BIGINT  NOT NULL,
    sender          BLOB    NOT NULL,
    client_msg_id   BLOB    NOT NULL,
    epoch           BIGINT  NOT NULL,
    body            BLOB    NOT NULL,
    received_at_ms  BIGINT  NOT NULL,
    batch_seq       BIGINT,
    leaf_index      BIGINT,
    proof           BLOB,
    UNIQUE (conversation, seq),
    UNIQUE (sender, client_msg_id)
);
CREATE INDEX envelopes_unbatched ON envelopes (row_id) WHERE batch_seq IS NULL;
CREATE INDEX envelopes_batch ON envelopes (batch_seq, leaf_index);

-- The last sequence number of each conversation; its row lock orders writers.
CREATE TABLE conversations (
    id        TEXT   PRIMARY KEY,
    last_seq  BIGINT NOT NULL
);

-- Anchored (or to-be-anchored) batches: seq is the anchors contract's sequence.
CREATE TABLE batches (
    seq             BIGINT PRIMARY KEY,
    root            BLOB   NOT NULL,
    leaf_count      BIGINT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    block_number    BIGINT,
    block_hash      BLOB,
    anchored_at_ms  BIGINT
);

-- Request nonces seen, kept until their timestamp is too old to be accepted.
CREATE TABLE nonces (
    account        BLOB   NOT NULL,
    nonce          BLOB   NOT NULL,
    expires_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (account, nonce)
);
CREATE INDEX nonces_expiry ON nonces (expires_at_ms);
