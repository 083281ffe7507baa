//! A randomized run: thousands of calls by many subscribers and providers over several types,
//! in random order: subscriptions, top-ups (some that resume a suspended subscription), standing
//! top-ups set, changed and cancelled by subscribers and strangers, reports (running, failed,
//! declined), cancellations, capacity
//! and collateral changes, providers registering and unregistering, slashes, jumps of the relay
//! clock and a reduced `MaxBlockWork`. After every step, both pallets' invariants hold (every
//! hold equals what the records say) and the total issuance equals all free plus held funds.

use super::*;
use crate::DeploymentReport;
use polkadot_sdk::frame_support::{
	traits::{fungible::InspectHold, Hooks},
	BoundedVec,
};

/// A small deterministic generator (xorshift64*), so that a failure can be replayed.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}

	fn below(&mut self, n: u64) -> u64 {
		self.next() % n
	}
}

const SUBSCRIBERS: u64 = 15;
const PROVIDERS: [AccountId; 5] = [20, 21, 22, 23, 24];

fn all_funds() -> Balance {
	polkadot_sdk::frame_system::Account::<Test>::iter()
		.map(|(who, _)| Balances::free_balance(who) + Balances::total_balance_on_hold(&who))
		.sum()
}

fn random_live(rng: &mut Rng) -> Option<(SubscriptionId, Subscription<Test>)> {
	let live: Vec<_> = Subscriptions::<Test>::iter().collect();
	if live.is_empty() {
		return None;
	}
	let index = rng.below(live.len() as u64) as usize;
	live.into_iter().nth(index)
}

fn run(seed: u64, steps: u32) {
	new_test_ext().execute_with(|| {
		let mut rng = Rng(seed);
		let types: Vec<_> =
			["vm-small", "vm-large", "substrate-collator"].iter().map(|n| new_type(n)).collect();
		for (i, &provider) in PROVIDERS.iter().enumerate() {
			for (t, &ty) in types.iter().enumerate() {
				if (i + t) % 3 != 2 {
					offer(provider, ty, 1 + rng.below(4) as u32, rng.below(4) * 5);
				}
			}
		}
		let issuance = total_issuance();
		let funds = all_funds();

		for _ in 0..steps {
			let who = 1 + rng.below(SUBSCRIBERS);
			let _ = match rng.below(12) {
				0..=2 => {
					let ty = types[rng.below(3) as usize];
					let target = match rng.below(4) {
						0 => AwardTarget::Provider(PROVIDERS[rng.below(5) as usize]),
						1 => AwardTarget::Preferred(BoundedVec::truncate_from(vec![
							PROVIDERS[rng.below(5) as usize],
							PROVIDERS[rng.below(5) as usize],
						])),
						_ => AwardTarget::Any,
					};
					let max_price = rng.below(4) * 5;
					let funding = max_price * MIN_RUNWAY + rng.below(200);
					DinfraSubscription::subscribe(
						RuntimeOrigin::signed(who),
						ty,
						bounded(DESCRIPTOR_CID),
						target,
						max_price,
						funding,
					)
				}
				3 => random_live(&mut rng).map_or(Ok(()), |(id, _)| {
					// Small ones, and ones large enough to resume a suspended subscription.
					let most = if rng.below(2) == 0 { 100 } else { 400 };
					DinfraSubscription::top_up(RuntimeOrigin::signed(who), id, 1 + rng.below(most))
				}),
				11 if rng.below(2) == 0 => random_live(&mut rng).map_or(Ok(()), |(id, _)| {
					// Standing top-ups by subscribers and strangers alike, changed and cancelled.
					if rng.below(4) == 0 {
						DinfraSubscription::cancel_standing_top_up(RuntimeOrigin::signed(who), id)
					} else {
						DinfraSubscription::set_standing_top_up(
							RuntimeOrigin::signed(who),
							id,
							1 + rng.below(200),
							rng.below(10),
							1 + rng.below(800),
						)
					}
				}),
				4 => random_live(&mut rng).map_or(Ok(()), |(id, s)| {
					DinfraSubscription::terminate(RuntimeOrigin::signed(s.subscriber), id)
				}),
				5 | 6 => {
					random_live(&mut rng).map_or(Ok(()), |(id, s)| match s.status.provider() {
						Some(&p) => DinfraSubscription::report_deployment(
							RuntimeOrigin::signed(p),
							id,
							if rng.below(4) == 0 {
								DeploymentReport::Failed { reason: bounded(b"no capacity") }
							} else if rng.below(5) == 0 {
								DeploymentReport::Declined { reason: bounded(b"bad image") }
							} else {
								DeploymentReport::Running {
									endpoint: bounded(b"http://127.0.0.1:9000"),
								}
							},
						),
						None => Ok(()),
					})
				}
				7 => random_live(&mut rng).map_or(Ok(()), |(id, s)| match s.status.provider() {
					Some(&p) if rng.below(2) == 0 => DinfraSubscription::cancel_by_provider(
						RuntimeOrigin::signed(p),
						id,
						bounded(b"bye"),
					),
					Some(&p) => DinfraSubscription::claim(RuntimeOrigin::signed(p), id),
					None => Ok(()),
				}),
				8 => {
					let provider = PROVIDERS[rng.below(5) as usize];
					let ty = types[rng.below(3) as usize];
					match rng.below(6) {
						3 => DinfraProvider::unregister_provider(RuntimeOrigin::signed(provider))
							.map(|_| ())
							.map_err(|e| e.error),
						4 => DinfraProvider::register_provider(
							RuntimeOrigin::signed(provider),
							bounded(b"{}"),
						)
						.and_then(|()| {
							DinfraProvider::create_offering(
								RuntimeOrigin::signed(provider),
								ty,
								1 + rng.below(4) as u32,
								rng.below(4) * 5,
								bounded(b""),
							)
						}),
						0 => DinfraProvider::close_offering(RuntimeOrigin::signed(provider), ty),
						1 => DinfraProvider::open_offering(RuntimeOrigin::signed(provider), ty),
						_ => DinfraProvider::update_offering(
							RuntimeOrigin::signed(provider),
							ty,
							1 + rng.below(5) as u32,
							rng.below(4) * 5,
							bounded(b""),
						),
					}
				}
				9 if rng.below(8) == 0 => {
					// The relay clock jumps while the parachain stalls: one parachain block.
					let next = System::block_number() + 2 + rng.below(60);
					System::set_block_number(next);
					DinfraSubscription::on_initialize(next);
					Ok(())
				}
				10 if rng.below(8) == 0 => {
					// A block with room for only a few steps: the rest is carried over.
					let full = MaxBlockWork::get();
					MaxBlockWork::set(full / (2 + rng.below(200)));
					run_to_block(System::block_number() + 1);
					MaxBlockWork::set(full);
					Ok(())
				}
				_ => {
					run_to_block(System::block_number() + 1 + rng.below(3));
					Ok(())
				}
			};
			check_invariants();
			assert_eq!(total_issuance(), all_funds(), "funds are conserved at every step");
		}
		// Let everything paid run out, then end what is left.
		run_to_block(System::block_number() + 400);
		for (id, s) in Subscriptions::<Test>::iter().collect::<Vec<_>>() {
			DinfraSubscription::terminate(RuntimeOrigin::signed(s.subscriber), id).unwrap();
		}
		run_to_block(System::block_number() + 1);
		assert_eq!(total_issuance(), issuance);
		assert_eq!(all_funds(), funds);
		for who in 1..=SUBSCRIBERS {
			assert_eq!(held(who), 0, "subscriber {who} has nothing held once all ended");
		}
	});
}

#[test]
fn random_calls_keep_every_invariant_and_conserve_funds() {
	// 10,500 steps in all.
	for seed in [0x5eed_0001, 0xdead_beef, 0x1234_5678_9abc] {
		run(seed, 3_500);
	}
}
