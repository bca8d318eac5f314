//! `inkpost group`: create, add, remove, role, leave, transfer, members.

use std::io::Write;

use inkpost_sdk::contracts::{Contract, Role, groups};
use inkpost_sdk::ids::{Address, GroupId};
use serde_json::json;

use super::emit;
use crate::context::Context;
use crate::directory::{members, person, person_at};
use crate::error::CliError;

/// A role that can be given (ownership moves with `transfer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GivenRole {
    /// Manages members.
    Admin,
    /// Reads and writes.
    Member,
    /// Reads only.
    Reader,
}

impl From<GivenRole> for Role {
    fn from(role: GivenRole) -> Self {
        match role {
            GivenRole::Admin => Role::Admin,
            GivenRole::Member => Role::Member,
            GivenRole::Reader => Role::Reader,
        }
    }
}

/// Group subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum GroupCommand {
    /// Create a group with you as its owner; prints its id.
    Create,
    /// Add HANDLE to GROUP with a role.
    Add {
        /// The group id.
        group: u64,
        /// The member's handle.
        handle: String,
        /// The role.
        #[arg(long, value_enum, default_value = "member")]
        role: GivenRole,
    },
    /// Remove HANDLE from GROUP; they cannot read what is sent afterwards.
    Remove {
        /// The group id.
        group: u64,
        /// The member's handle.
        handle: String,
    },
    /// Change HANDLE's role in GROUP.
    Role {
        /// The group id.
        group: u64,
        /// The member's handle.
        handle: String,
        /// The new role.
        #[arg(value_enum)]
        role: GivenRole,
    },
    /// Leave GROUP (an owner transfers ownership first).
    Leave {
        /// The group id.
        group: u64,
    },
    /// Make HANDLE the owner of GROUP.
    Transfer {
        /// The group id.
        group: u64,
        /// The new owner's handle.
        handle: String,
    },
    /// List GROUP's members, roles and epoch.
    Members {
        /// The group id.
        group: u64,
    },
}

/// Runs a group subcommand.
pub async fn run(
    ctx: &Context,
    command: GroupCommand,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let deployment = ctx.deployment()?;
    let call = |input: Vec<u8>| async move {
        ctx.call(Contract::Groups, deployment.groups, 0, &input)
            .await
    };
    // Membership changes return the new epoch.
    let changed = |out: &mut dyn Write, what: String, epoch: u64| -> Result<(), CliError> {
        let value = json!({"done": what, "epoch": epoch});
        emit(ctx, out, &value, |out| {
            writeln!(out, "{what} (epoch {epoch})")
        })
    };
    match command {
        GroupCommand::Create => {
            let outcome = call(groups::create_group()).await?;
            let created: groups::GroupCreated = Context::event(&outcome, deployment.groups)?;
            let group = created.group;
            let value = json!({"group": group});
            emit(ctx, out, &value, |out| {
                writeln!(
                    out,
                    "created group {group}; add people with `inkpost group add {group} <handle>`"
                )
            })
        }
        GroupCommand::Add {
            group,
            handle,
            role,
        } => {
            let who = person(ctx, &handle).await?;
            let outcome = call(groups::add_member(
                GroupId(group),
                &who.address,
                role.into(),
            ))
            .await?;
            let added: groups::MembershipChanged = Context::event(&outcome, deployment.groups)?;
            let epoch = added.epoch;
            changed(
                out,
                format!("added {handle} to group {group} as {role:?}"),
                epoch,
            )
        }
        GroupCommand::Remove { group, handle } => {
            let who = person(ctx, &handle).await?;
            let outcome = call(groups::remove_member(GroupId(group), &who.address)).await?;
            let removed: groups::MemberRemoved = Context::event(&outcome, deployment.groups)?;
            let epoch = removed.epoch;
            changed(out, format!("removed {handle} from group {group}"), epoch)
        }
        GroupCommand::Role {
            group,
            handle,
            role,
        } => {
            let who = person(ctx, &handle).await?;
            let outcome = call(groups::set_role(GroupId(group), &who.address, role.into())).await?;
            let changed_role: groups::RoleChanged = Context::event(&outcome, deployment.groups)?;
            let epoch = changed_role.epoch;
            changed(
                out,
                format!("{handle} is now {role:?} in group {group}"),
                epoch,
            )
        }
        GroupCommand::Leave { group } => {
            let outcome = call(groups::leave(GroupId(group))).await?;
            let left: groups::MemberRemoved = Context::event(&outcome, deployment.groups)?;
            let epoch = left.epoch;
            changed(out, format!("left group {group}"), epoch)
        }
        GroupCommand::Transfer { group, handle } => {
            let who = person(ctx, &handle).await?;
            let outcome = call(groups::transfer_ownership(GroupId(group), &who.address)).await?;
            let moved: groups::OwnershipTransferred = Context::event(&outcome, deployment.groups)?;
            let epoch = moved.epoch;
            changed(out, format!("{handle} now owns group {group}"), epoch)
        }
        GroupCommand::Members { group } => {
            let (state, members) = members(ctx, GroupId(group)).await?;
            let mut rows = Vec::new();
            for (address, role) in members {
                let handle = handle_of(ctx, address).await?;
                rows.push(
                    json!({"handle": handle, "address": address, "role": format!("{role:?}")}),
                );
            }
            let value = json!({"group": group, "epoch": state.epoch, "members": rows});
            emit(ctx, out, &value, |out| {
                writeln!(out, "group {group}, epoch {}", state.epoch)?;
                for row in &rows {
                    writeln!(
                        out,
                        "  {:<12} {:<8} {}",
                        row["handle"].as_str().unwrap_or("?"),
                        row["role"].as_str().unwrap_or("?"),
                        row["address"].as_str().unwrap_or("?")
                    )?;
                }
                Ok(())
            })
        }
    }
}

async fn handle_of(ctx: &Context, address: Address) -> Result<String, CliError> {
    Ok(person_at(ctx, address).await?.map_or_else(
        || "(unregistered)".to_owned(),
        |person| person.record.handle,
    ))
}
