//! Types shared by the DINFRA pallets.
//!
//! - [`cid`]: the shape check for IPFS content identifiers, which name deployment-type schemas and
//!   subscription descriptors on chain.
//! - [`market`]: the [`market::Market`] trait through which the subscription pallet asks the
//!   provider pallet to award a deployment to a provider and to give capacity back.
//! - [`runtime_api`]: `DinfraApi`, the runtime API for quotes and subscription views.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod cid;
pub mod market;
pub mod runtime_api;

pub use market::{
	AwardAttempt, AwardTarget, Awarded, DeploymentTypeId, Fault, Market, MarketError, Outcome,
	TrackRecord,
};
