-- Postage: per escrow channel that pays this relay (or a relay sharing the
-- database), the best voucher received, the messages it paid for, and how
-- much of it was claimed on chain. Amounts are u128 as 39 zero-padded
-- decimal digits, so that text order is numeric order.
CREATE TABLE postage (
    channel       BIGINT PRIMARY KEY,
    payer         BLOB   NOT NULL,
    payee         BLOB   NOT NULL,
    messages      BIGINT NOT NULL,
    cumulative    TEXT   NOT NULL,
    signature     BLOB   NOT NULL,
    claimed       TEXT   NOT NULL,
    -- Set once the channel is settled on chain: nothing more to claim.
    settled_at_ms BIGINT
);
CREATE INDEX postage_payee ON postage (payee);
