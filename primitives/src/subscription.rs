//! The words of a subscription's life that the chain and its clients share.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Why a subscription ended. `Reason` is the provider's text: a bounded byte string on chain, a
/// plain one in `DinfraApi` answers.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(capture_docs = "always")]
pub enum TerminationReason<Reason> {
	/// The subscriber ended it.
	BySubscriber,
	/// The provider cancelled it.
	ByProvider {
		/// The provider's reason, UTF-8 text.
		reason: Reason,
	},
	/// Its funds ran out.
	OutOfFunds,
	/// No eligible offering took it within `AwardTimeout` relay-chain blocks.
	NoOffering,
	/// `MaxAwardAttempts` providers failed to provision it.
	ProvisioningFailed,
}

impl<Reason> TerminationReason<Reason> {
	/// The same reason with the provider's text converted by `f` (from the bounded form kept on
	/// chain to the plain one of `DinfraApi`, say).
	pub fn map_text<Other>(self, f: impl FnOnce(Reason) -> Other) -> TerminationReason<Other> {
		match self {
			Self::BySubscriber => TerminationReason::BySubscriber,
			Self::ByProvider { reason } => TerminationReason::ByProvider { reason: f(reason) },
			Self::OutOfFunds => TerminationReason::OutOfFunds,
			Self::NoOffering => TerminationReason::NoOffering,
			Self::ProvisioningFailed => TerminationReason::ProvisioningFailed,
		}
	}
}
