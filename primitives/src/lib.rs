//! Types shared by the DINFRA pallets.
//!
//! - [`cid`]: the shape check for IPFS content identifiers, which name deployment-type schemas and
//!   subscription descriptors on chain.
//! - [`market`]: the [`market::Market`] trait through which the subscription pallet asks the
//!   provider pallet to award a deployment to a provider and to give capacity back.
//! - [`subscription`]: why a subscription ended, in the events, the records and `DinfraApi`.
//! - [`runtime_api`]: `DinfraApi`, the runtime API for quotes and subscription views.
//!
//! Units, everywhere in DINFRA: amounts are in DINF's smallest unit, 10⁻¹² DINF; block numbers
//! and durations count relay-chain blocks of about 6 s, never the parachain's own blocks.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod cid;
pub mod market;
pub mod runtime_api;
pub mod subscription;

pub use market::{
	AwardAttempt, AwardTarget, Awarded, DeploymentTypeId, Fault, Market, MarketError, Outcome,
	TrackRecord, MAX_PREFERRED,
};
pub use subscription::TerminationReason;
