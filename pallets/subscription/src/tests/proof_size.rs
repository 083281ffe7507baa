//! What each call reads from storage, and the largest proof that can cost, from the storage
//! items' `MaxEncodedLen` bounds. A parachain block's proof (PoV) is capped, so the calls that
//! subscribers make often must read little. Run with `--nocapture` to print the table that
//! README.md shows.

use super::*;
use polkadot_sdk::frame_support::traits::StorageInfoTrait;
use std::collections::BTreeMap;

/// The storage items each call reads in its worst case (a key written without being read adds
/// no value to the proof). An item read for two accounts is listed twice.
const READS: &[(&str, &[&str])] = &[
	(
		"subscribe",
		&[
			"DinfraProvider::DeploymentTypes",
			"DinfraSubscription::Intake",
			"DinfraSubscription::TypeQueues",
			"Balances::Holds",
			"System::Account",
		],
	),
	(
		"top_up (by a sponsor, running)",
		&[
			"DinfraSubscription::Subscriptions",
			"Balances::Holds",
			"System::Account",
			"System::Account",
			"System::Account",
		],
	),
	(
		"terminate / cancel_by_provider (running)",
		&[
			"DinfraSubscription::Subscriptions",
			"Balances::Holds",
			"System::Account",
			"System::Account",
			"DinfraProvider::Offerings",
			"DinfraProvider::Providers",
			"DinfraProvider::TrackRecords",
			"DinfraSubscription::EndedCursor",
			"DinfraSubscription::EndedOrder",
		],
	),
	(
		"report_deployment (Running)",
		&["DinfraSubscription::Subscriptions", "DinfraProvider::TrackRecords"],
	),
	(
		"report_deployment (Failed)",
		&[
			"DinfraSubscription::Subscriptions",
			"DinfraSubscription::Intake",
			"DinfraSubscription::TypeQueues",
			"DinfraProvider::Offerings",
			"DinfraProvider::Providers",
			"DinfraProvider::TrackRecords",
			"Balances::Holds",
			"System::Account",
			"System::Account",
		],
	),
	(
		"claim",
		&[
			"DinfraSubscription::Subscriptions",
			"Balances::Holds",
			"System::Account",
			"System::Account",
		],
	),
	(
		"on_initialize, nothing due",
		&[
			"DinfraSubscription::DueCursor",
			"DinfraSubscription::LiveClock",
			"DinfraSubscription::Intake",
			"DinfraSubscription::DueSpans",
		],
	),
];

fn max_sizes() -> BTreeMap<String, u32> {
	AllPalletsWithSystem::storage_info()
		.into_iter()
		.filter_map(|info| {
			let name = format!(
				"{}::{}",
				String::from_utf8_lossy(&info.pallet_name),
				String::from_utf8_lossy(&info.storage_name)
			);
			// Some of `System`'s items (events, digests) have no bound; no call here reads them.
			info.max_size.map(|size| (name, size))
		})
		.collect()
}

#[test]
fn every_storage_item_of_both_pallets_is_bounded() {
	for info in AllPalletsWithSystem::storage_info() {
		let pallet = String::from_utf8_lossy(&info.pallet_name).to_string();
		if pallet.starts_with("Dinfra") {
			assert!(
				info.max_size.is_some(),
				"{pallet}::{} is unbounded",
				String::from_utf8_lossy(&info.storage_name)
			);
		}
	}
}

#[test]
fn subscribe_reads_little_enough_for_500_per_block() {
	let sizes = max_sizes();
	let mut subscribe = 0;
	println!("| call | storage items read | largest value + key, bytes |\n| --- | --- | --- |");
	for (call, items) in READS {
		let total: u32 = items.iter().map(|item| sizes[*item]).sum();
		let list: Vec<String> =
			items.iter().map(|item| format!("`{item}` ({})", sizes[*item])).collect();
		println!("| {call} | {} | {total} |", list.join(", "));
		if *call == "subscribe" {
			subscribe = total;
		}
	}
	// The normal class may fill 75 % of a 10 MiB proof. Besides the values, each read item adds
	// its path through the trie. As the benchmarking CLI models it by default (a million
	// entries per map): five levels of branch nodes, each of 15 sibling hashes of 33 bytes and a
	// 32-byte header.
	let budget = 10 * 1024 * 1024 * 3 / 4 / 500;
	let path = 5 * (15 * 33 + 32);
	let items = READS[0].1.len() as u32;
	let estimate = subscribe + items * path;
	println!("\nsubscribe: {estimate} bytes at most with trie paths; 500 per block allow {budget}");
	assert!(estimate <= budget, "subscribe's proof {estimate} exceeds {budget}");
}
