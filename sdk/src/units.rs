//! Amounts: native units (what extrinsics and balances count) and the
//! token they make up, for people.
//!
//! Contracts on pallet-revive count value in "EVM units": native units
//! times the runtime's `NativeToEthRatio` (with feature `chain`,
//! `Chain::native_to_eth_ratio` reads it from the node).

/// Native units per token (12 decimals).
pub const TOKEN: u128 = 1_000_000_000_000;

/// Decimal places of the token.
pub const DECIMALS: usize = 12;

/// Parses an amount of tokens (`1`, `0.25`, `.5`; up to 12 decimals) into
/// native units.
pub fn parse_tokens(text: &str) -> Result<u128, String> {
    let bad = || format!("{text:?} is not an amount of tokens (like 1 or 0.25)");
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty()
        || fraction.len() > DECIMALS
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let fraction: u128 = format!("{fraction:0<12}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(TOKEN)
        .and_then(|native| native.checked_add(fraction))
        .ok_or_else(bad)
}

/// Native units as tokens, for people (`1 token`, `1.5 tokens`).
pub fn tokens(native: u128) -> String {
    let (whole, fraction) = (native / TOKEN, native % TOKEN);
    if fraction == 0 {
        let unit = if whole == 1 { "token" } else { "tokens" };
        format!("{whole} {unit}")
    } else {
        let digits = format!("{fraction:012}");
        format!("{whole}.{} tokens", digits.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_amounts_parse_exactly_and_print_back() {
        assert_eq!(parse_tokens("1"), Ok(1_000_000_000_000));
        assert_eq!(parse_tokens("0.25"), Ok(250_000_000_000));
        assert_eq!(parse_tokens(".5"), Ok(500_000_000_000));
        assert_eq!(parse_tokens("0.000000000001"), Ok(1));
        for bad in [
            "",
            ".",
            "1.0000000000001",
            "-1",
            "1e3",
            "0x10",
            "1.2.3",
            "999999999999999999999999999999",
        ] {
            assert!(parse_tokens(bad).is_err(), "{bad}");
        }
        assert_eq!(tokens(1_500_000_000_000), "1.5 tokens");
        assert_eq!(tokens(2_000_000_000_000), "2 tokens");
        assert_eq!(tokens(1_000_000_000_000), "1 token");
        assert_eq!(tokens(1), "0.000000000001 tokens");
    }
}
