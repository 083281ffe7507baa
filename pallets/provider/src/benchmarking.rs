//! Benchmarks of every call and of the award, each in its worst case.

use super::*;
use crate::Pallet as DinfraProvider;
use alloc::{format, vec::Vec};
use dinfra_primitives::{AwardTarget, Fault, Market, Outcome};
use frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		Get,
	},
	BoundedVec,
};
use frame_system::RawOrigin;
use polkadot_sdk::frame_benchmarking::v2::*;
use sp_runtime::traits::{Bounded, Saturating};

const SCHEMA_CID: &[u8] = b"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

/// An account with enough for every deposit and bond this pallet can ask of it.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let offerings: BalanceOf<T> = T::MaxOfferingsPerProvider::get().into();
	let needed = T::DeploymentTypeDeposit::get()
		.saturating_add(T::ProviderBond::get())
		.saturating_add(T::OfferingDeposit::get().saturating_mul(offerings))
		.saturating_add(
			T::CollateralPerUnit::get().saturating_mul(offerings).saturating_mul(10u32.into()),
		)
		.saturating_mul(2u32.into())
		.saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, needed);
	who
}

/// The longest value a bound allows, made of `fill` after `prefix`.
fn longest<S: Get<u32>>(prefix: &[u8], fill: u8) -> BoundedVec<u8, S> {
	let mut bytes = prefix.to_vec();
	bytes.resize((S::get() as usize).max(prefix.len()), fill);
	bytes.truncate(S::get() as usize);
	BoundedVec::truncate_from(bytes)
}

fn new_type<T: Config>(index: u32) -> DeploymentTypeId {
	let owner = funded::<T>("owner", index);
	let id = NextDeploymentTypeId::<T>::get();
	let name = longest::<T::MaxNameLength>(format!("t{index}-").as_bytes(), b'a');
	DinfraProvider::<T>::do_register_deployment_type(
		owner,
		name,
		BoundedVec::truncate_from(SCHEMA_CID.to_vec()),
	)
	.expect("a fresh name registers");
	id
}

fn new_provider<T: Config>(index: u32) -> T::AccountId {
	let who = funded::<T>("provider", index);
	DinfraProvider::<T>::do_register_provider(who.clone(), longest(b"{", b' '))
		.expect("a funded account registers");
	who
}

fn new_offering<T: Config>(who: &T::AccountId, deployment_type: DeploymentTypeId, capacity: u32) {
	DinfraProvider::<T>::do_create_offering(
		who.clone(),
		deployment_type,
		capacity,
		1u32.into(),
		longest(b"", b'd'),
	)
	.expect("the provider can offer the type");
}

/// `count` other providers offering `deployment_type`, so that its list is that long.
fn fill_list<T: Config>(deployment_type: DeploymentTypeId, count: u32, first_index: u32) {
	for i in 0..count {
		let other = new_provider::<T>(first_index + i);
		new_offering::<T>(&other, deployment_type, 10);
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_deployment_type() {
		let caller = funded::<T>("caller", 0);
		let name = longest::<T::MaxNameLength>(b"vm-", b'a');
		let cid: Cid<T> = BoundedVec::truncate_from(SCHEMA_CID.to_vec());

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), name.clone(), cid);

		assert!(DeploymentTypeIds::<T>::contains_key(&name));
	}

	#[benchmark]
	fn retire_deployment_type() {
		let id = new_type::<T>(0);
		fill_list::<T>(id, T::MaxOfferingsPerType::get(), 0);
		let owner = DeploymentTypes::<T>::get(id).expect("registered").owner;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);

		assert!(DeploymentTypes::<T>::get(id).expect("kept while offered").retired);
	}

	#[benchmark]
	fn register_provider() {
		let caller = funded::<T>("caller", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), longest(b"{", b' '));

		assert!(Providers::<T>::contains_key(&caller));
	}

	#[benchmark]
	fn update_provider() {
		let who = new_provider::<T>(0);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), longest(b"[", b' '));

		assert_eq!(Providers::<T>::get(&who).expect("registered").metadata.first(), Some(&b'['));
	}

	/// A provider with `o` offerings, each in a type whose list is full, so that every removal
	/// rewrites a full list.
	#[benchmark]
	fn unregister_provider(o: Linear<0, { T::MaxOfferingsPerProvider::get() }>) {
		let who = new_provider::<T>(0);
		let others: Vec<T::AccountId> =
			(1..T::MaxOfferingsPerType::get()).map(|i| new_provider::<T>(i)).collect();
		for t in 0..o {
			let id = new_type::<T>(t);
			for other in &others {
				new_offering::<T>(other, id, 10);
			}
			new_offering::<T>(&who, id, 10);
		}

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Providers::<T>::contains_key(&who));
	}

	/// Unregistering when each of the provider's `o` offerings is the last of a retired type,
	/// so that the type's record goes too: the other path `unregister_provider` can take.
	#[benchmark]
	fn unregister_provider_retired(o: Linear<0, { T::MaxOfferingsPerProvider::get() }>) {
		let who = new_provider::<T>(0);
		let mut retired = Vec::new();
		for t in 0..o {
			let id = new_type::<T>(t);
			new_offering::<T>(&who, id, 10);
			let owner = DeploymentTypes::<T>::get(id).expect("registered").owner;
			DinfraProvider::<T>::do_retire_deployment_type(owner, id).expect("the owner retires");
			retired.push(id);
		}

		#[extrinsic_call]
		unregister_provider(RawOrigin::Signed(who.clone()));

		assert!(!Providers::<T>::contains_key(&who));
		assert!(
			retired.iter().all(|id| !DeploymentTypes::<T>::contains_key(id)),
			"the retired types went with it"
		);
	}

	#[benchmark]
	fn create_offering() {
		let id = new_type::<T>(0);
		fill_list::<T>(id, T::MaxOfferingsPerType::get().saturating_sub(1), 1);
		let who = new_provider::<T>(0);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, 10, 1u32.into(), longest(b"", b'd'));

		assert!(Offerings::<T>::contains_key(&who, id));
	}

	#[benchmark]
	fn update_offering() {
		let id = new_type::<T>(0);
		let who = new_provider::<T>(0);
		new_offering::<T>(&who, id, 10);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, 20, 2u32.into(), longest(b"", b'e'));

		assert_eq!(Offerings::<T>::get(&who, id).expect("offered").capacity, 20);
	}

	#[benchmark]
	fn close_offering() {
		let id = new_type::<T>(0);
		let who = new_provider::<T>(0);
		new_offering::<T>(&who, id, 10);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id);

		assert!(!Offerings::<T>::get(&who, id).expect("offered").open);
	}

	#[benchmark]
	fn open_offering() {
		let id = new_type::<T>(0);
		let who = new_provider::<T>(0);
		new_offering::<T>(&who, id, 10);
		DinfraProvider::<T>::do_set_offering_open(who.clone(), id, false).expect("open");

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id);

		assert!(Offerings::<T>::get(&who, id).expect("offered").open);
	}

	#[benchmark]
	fn remove_offering() {
		let id = new_type::<T>(0);
		fill_list::<T>(id, T::MaxOfferingsPerType::get().saturating_sub(1), 1);
		let who = new_provider::<T>(0);
		new_offering::<T>(&who, id, 10);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id);

		assert!(!Offerings::<T>::contains_key(&who, id));
	}

	/// An award of `AwardTarget::Any` over a type with `n` offerings, all eligible.
	#[benchmark]
	fn award(n: Linear<1, { T::MaxOfferingsPerType::get() }>) {
		let id = new_type::<T>(0);
		fill_list::<T>(id, n, 0);
		let awarded;

		#[block]
		{
			awarded =
				DinfraProvider::<T>::award(id, &AwardTarget::Any, BalanceOf::<T>::max_value(), &[])
					.outcome;
		}

		let awarded = awarded.expect("an offering is eligible");
		assert_eq!(Offerings::<T>::get(&awarded.provider, id).expect("offered").in_use, 1);
	}

	#[benchmark]
	fn release() {
		let id = new_type::<T>(0);
		let who = new_provider::<T>(0);
		new_offering::<T>(&who, id, 10);
		DinfraProvider::<T>::award(id, &AwardTarget::Any, BalanceOf::<T>::max_value(), &[])
			.outcome
			.expect("the offering is eligible");

		#[block]
		{
			DinfraProvider::<T>::release(&who, id);
		}

		assert_eq!(Offerings::<T>::get(&who, id).expect("offered").in_use, 0);
	}

	/// The worst case of `Market::record_outcome`: a timeout, slashed and paid to the
	/// subscriber, that also puts the provider on probation.
	#[benchmark]
	fn record_outcome() {
		let id = new_type::<T>(0);
		let who = new_provider::<T>(0);
		new_offering::<T>(&who, id, 10);
		let subscriber = funded::<T>("subscriber", 0);
		TrackRecords::<T>::mutate(&who, |record| {
			if let Some(record) = record {
				record.strikes = T::StrikeLimit::get().saturating_sub(1);
			}
		});
		let paid;

		#[block]
		{
			paid = DinfraProvider::<T>::record_outcome(
				&who,
				id,
				Outcome::Fault(Fault::ProvisionTimeout),
				&subscriber,
			);
		}

		let record = TrackRecords::<T>::get(&who).expect("registered");
		assert_eq!(record.timeouts, 1);
		assert_eq!(record.slashed, paid);
		assert!(record.probation_until.is_some());
	}

	impl_benchmark_test_suite!(DinfraProvider, crate::mock::new_test_ext(), crate::mock::Test);
}
