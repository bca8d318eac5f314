//! The development chain: revive-dev-runtime's `development` genesis preset (dev accounts
//! funded and mapped, //Alice sudo) under Inkpost's name.

use sc_service::{ChainType, Properties};

/// A chain specification for revive-dev-runtime (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

/// The token's display properties: 12 decimals, as the runtime's `DOLLARS` unit.
fn properties() -> Properties {
    let mut properties = Properties::new();
    properties.insert("tokenDecimals".into(), 12.into());
    properties.insert("tokenSymbol".into(), "UNIT".into());
    properties.insert("ss58Format".into(), 42.into());
    properties
}

/// The dev chain (`--dev`, `--chain dev`).
pub fn development() -> Result<ChainSpec, String> {
    let code = revive_dev_runtime::WASM_BINARY
        .ok_or("this node was built without the runtime's WASM (SKIP_WASM_BUILD was set): rebuild it without")?;
    Ok(ChainSpec::builder(code, Default::default())
        .with_name("Inkpost Development")
        .with_id("inkpost_dev")
        .with_chain_type(ChainType::Development)
        .with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
        .with_properties(properties())
        .build())
}
