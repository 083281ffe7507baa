//! A narrated walk through the market, which `scripts/run` prints. It is a test too: every step
//! it tells is asserted.

use super::*;
use dinfra_primitives::{AwardTarget, Market, MarketError};

#[test]
fn demo_market_walkthrough() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		println!("DINFRA provider market, on the pallet's test runtime\n");

		let vm = register_type(1, "vm-small");
		let collator = register_type(1, "substrate-collator");
		println!("account 1 registers deployment types `vm-small` (id {vm}) and `substrate-collator` (id {collator})");
		println!("  deposit held from 1: {}", held(1));

		for (who, capacity, price) in [(5, 2, 10), (6, 4, 12), (7, 8, 15)] {
			provider_offering(who, vm, capacity, price);
			println!("provider {who} offers vm-small: capacity {capacity}, {price} per block");
		}
		provider_offering(8, collator, 1, 0);
		println!("provider 8 offers substrate-collator for free, capacity 1\n");
		run_to_block(2);

		println!("ten subscriptions to vm-small, any provider, paying at most 15 per block:");
		for n in 1..=10 {
			let a = DinfraProvider::award(vm, &AwardTarget::Any, 15, &[]).outcome.expect("capacity is free");
			println!(
				"  award {n:>2} -> provider {} at {} per block   (loads 5:{}/2 6:{}/4 7:{}/8)",
				a.provider,
				a.price_per_block,
				in_use(5, vm),
				in_use(6, vm),
				in_use(7, vm)
			);
		}
		assert_eq!((in_use(5, vm), in_use(6, vm), in_use(7, vm)), (2, 3, 5));

		let capped = DinfraProvider::award(vm, &AwardTarget::Any, 11, &[]).outcome;
		println!("\na subscriber capped at 11 per block: {capped:?} (provider 5 is full)");
		assert_eq!(capped, Err(MarketError::NoEligibleOffering));

		let named = DinfraProvider::award(collator, &AwardTarget::Provider(8), 0, &[]).outcome;
		println!("a free collator from provider 8 by name: {named:?}");
		assert!(named.is_ok());

		DinfraProvider::release(&5, vm);
		println!("\none of provider 5's deployments ends: its unit of capacity is free again");
		assert_eq!(DinfraProvider::award(vm, &AwardTarget::Any, 11, &[]).outcome.map(|a| a.provider), Ok(5));
		println!("so the subscriber capped at 11 now gets provider 5");

		run_to_block(3);
		assert_eq!(total_issuance(), issuance);
		println!("\ntotal issuance unchanged: {issuance}; held as deposits and bonds: {}", (1..=8).map(held).sum::<Balance>());
	});
}
