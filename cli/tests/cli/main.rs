//! The system the way a user drives it: a real node with the four contracts
//! deployed (the shared world), a relay of each test's own running in
//! process, and every step through the CLI's argument parser and commands
//! (`inkpost_cli::run_args`), as the README's conversation does. One
//! behaviour per test; each makes its own groups and relay account.

mod kit;

mod chat;
mod deployment;
mod failures;
mod finality;
mod identity;
mod lies;
mod payments;
mod relays;
mod tls;
mod web;
