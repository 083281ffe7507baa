use super::*;
use crate::{DeploymentTypeIds, DeploymentTypes, Error, Event, OfferingsByType};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::TokenError,
};

#[test]
fn register_deployment_type_holds_the_deposit_and_indexes_the_name() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let id = register_type(1, "vm-small");
		assert_eq!(id, 0);
		assert_eq!(held(1), TYPE_DEPOSIT);
		assert_eq!(Balances::free_balance(1), ENDOWMENT - TYPE_DEPOSIT);
		assert_eq!(DeploymentTypeIds::<Test>::get(bounded::<_>(b"vm-small")), Some(0));
		let ty = DeploymentTypes::<Test>::get(0).unwrap();
		assert_eq!((ty.owner, ty.deposit, ty.retired), (1, TYPE_DEPOSIT, false));
		assert_eq!(
			last_event(),
			RuntimeEvent::DinfraProvider(Event::DeploymentTypeRegistered {
				id: 0,
				name: bounded(b"vm-small"),
				owner: 1,
				schema_cid: bounded(SCHEMA_CID),
				deposit: TYPE_DEPOSIT,
			})
		);
		assert_eq!(register_type(2, "substrate-collator"), 1);
		assert_eq!(total_issuance(), issuance);
		run_to_block(2);
	});
}

#[test]
fn register_deployment_type_accepts_cidv0_and_cidv1() {
	new_test_ext().execute_with(|| {
		for (name, cid) in [
			("v0", &b"QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"[..]),
			("v1", &b"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"[..]),
			("v1-base58", &b"zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA"[..]),
		] {
			assert_ok!(DinfraProvider::register_deployment_type(
				RuntimeOrigin::signed(1),
				bounded(name.as_bytes()),
				bounded(cid),
			));
		}
		run_to_block(2);
	});
}

#[test]
fn register_deployment_type_fails_on_invalid_names() {
	new_test_ext().execute_with(|| {
		for name in
			[&b""[..], b"VM-small", b"-vm", b"vm small", b"vm/small", "vm-\u{e9}".as_bytes()]
		{
			assert_noop!(
				DinfraProvider::register_deployment_type(
					RuntimeOrigin::signed(1),
					bounded(name),
					bounded(SCHEMA_CID),
				),
				Error::<Test>::InvalidName
			);
		}
	});
}

#[test]
fn register_deployment_type_fails_on_invalid_cids() {
	new_test_ext().execute_with(|| {
		for cid in [
			&b""[..],
			b"not-a-cid",
			b"ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
			b"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52z",
			b"QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbd0",
		] {
			assert_noop!(
				DinfraProvider::register_deployment_type(
					RuntimeOrigin::signed(1),
					bounded(b"vm-small"),
					bounded(cid),
				),
				Error::<Test>::InvalidCid
			);
		}
	});
}

#[test]
fn register_deployment_type_fails_when_the_name_is_taken() {
	new_test_ext().execute_with(|| {
		register_type(1, "vm-small");
		assert_noop!(
			DinfraProvider::register_deployment_type(
				RuntimeOrigin::signed(2),
				bounded(b"vm-small"),
				bounded(SCHEMA_CID),
			),
			Error::<Test>::NameTaken
		);
	});
}

#[test]
fn register_deployment_type_fails_without_funds_for_the_deposit() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			DinfraProvider::register_deployment_type(
				RuntimeOrigin::signed(PAUPER),
				bounded(b"vm-small"),
				bounded(SCHEMA_CID),
			),
			TokenError::FundsUnavailable
		);
	});
}

#[test]
fn retire_returns_the_deposit_and_frees_the_name() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let id = register_type(1, "vm-small");
		assert_ok!(DinfraProvider::retire_deployment_type(RuntimeOrigin::signed(1), id));
		assert_eq!(held(1), 0);
		assert_eq!(Balances::free_balance(1), ENDOWMENT);
		assert_eq!(total_issuance(), issuance);
		// With no offerings left, nothing of the type is kept.
		assert!(DeploymentTypes::<Test>::get(id).is_none());
		assert_eq!(
			last_event(),
			RuntimeEvent::DinfraProvider(Event::DeploymentTypeRetired {
				id,
				deposit_returned: TYPE_DEPOSIT
			})
		);
		// The name can be registered again, under a new id.
		assert_eq!(register_type(2, "vm-small"), id + 1);
		run_to_block(2);
	});
}

#[test]
fn retire_fails_for_others_and_for_unknown_or_retired_types() {
	new_test_ext().execute_with(|| {
		let id = register_type(1, "vm-small");
		assert_noop!(
			DinfraProvider::retire_deployment_type(RuntimeOrigin::signed(2), id),
			Error::<Test>::NotDeploymentTypeOwner
		);
		assert_noop!(
			DinfraProvider::retire_deployment_type(RuntimeOrigin::signed(1), 7),
			Error::<Test>::UnknownDeploymentType
		);
		provider_offering(5, id, 1, 10);
		assert_ok!(DinfraProvider::retire_deployment_type(RuntimeOrigin::signed(1), id));
		assert_noop!(
			DinfraProvider::retire_deployment_type(RuntimeOrigin::signed(1), id),
			Error::<Test>::DeploymentTypeRetired
		);
	});
}

#[test]
fn a_retired_type_takes_no_new_offerings_while_existing_ones_go_on() {
	new_test_ext().execute_with(|| {
		let id = register_type(1, "vm-small");
		provider_offering(5, id, 2, 10);
		assert_ok!(DinfraProvider::retire_deployment_type(RuntimeOrigin::signed(1), id));
		assert!(DeploymentTypes::<Test>::get(id).unwrap().retired);
		assert_eq!(held(1), 0);

		register_provider(6);
		assert_noop!(
			DinfraProvider::create_offering(RuntimeOrigin::signed(6), id, 1, 10, bounded(b"")),
			Error::<Test>::DeploymentTypeRetired
		);
		// The existing offering can still be changed and closed.
		assert_ok!(DinfraProvider::update_offering(
			RuntimeOrigin::signed(5),
			id,
			3,
			12,
			bounded(b"")
		));
		assert_ok!(DinfraProvider::close_offering(RuntimeOrigin::signed(5), id));
		run_to_block(2);

		// Once its last offering goes, the retired type is forgotten.
		assert_ok!(DinfraProvider::remove_offering(RuntimeOrigin::signed(5), id));
		assert!(DeploymentTypes::<Test>::get(id).is_none());
		assert!(!OfferingsByType::<Test>::contains_key(id));
		run_to_block(3);
	});
}

#[test]
fn genesis_registers_deployment_types_with_their_deposits() {
	use polkadot_sdk::sp_runtime::BuildStorage;
	let storage = RuntimeGenesisConfig {
		balances: pallet_balances::GenesisConfig {
			balances: vec![(1, ENDOWMENT)],
			..Default::default()
		},
		dinfra_provider: crate::GenesisConfig {
			deployment_types: vec![
				(1, b"vm-small".to_vec(), SCHEMA_CID.to_vec()),
				(1, b"substrate-collator".to_vec(), SCHEMA_CID.to_vec()),
			],
		},
		..Default::default()
	}
	.build_storage()
	.unwrap();
	polkadot_sdk::sp_io::TestExternalities::new(storage).execute_with(|| {
		assert_eq!(DeploymentTypeIds::<Test>::get(bounded::<_>(b"substrate-collator")), Some(1));
		assert_eq!(held(1), 2 * TYPE_DEPOSIT);
		DinfraProvider::do_try_state().unwrap();
	});
}

/// A genesis entry that breaks the registry's rules (here a name taken twice) stops the build
/// in tests and debug builds, through `defensive!`, instead of starting a broken chain.
#[test]
#[should_panic(expected = "a genesis deployment type breaks the registry's rules")]
fn a_genesis_deployment_type_that_breaks_the_rules_is_caught() {
	use polkadot_sdk::sp_runtime::BuildStorage;
	let _ = RuntimeGenesisConfig {
		balances: pallet_balances::GenesisConfig {
			balances: vec![(1, ENDOWMENT)],
			..Default::default()
		},
		dinfra_provider: crate::GenesisConfig {
			deployment_types: vec![
				(1, b"vm-small".to_vec(), SCHEMA_CID.to_vec()),
				(1, b"vm-small".to_vec(), SCHEMA_CID.to_vec()),
			],
		},
		..Default::default()
	}
	.build_storage();
}
