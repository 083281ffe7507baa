//! Signing CloudStack API requests, as its API documentation specifies.
//!
//! Each parameter value is URL-encoded (spaces as `%20`, never `+`); the `name=value` pairs
//! are sorted by name and joined with `&`; the whole string is lower-cased; its HMAC-SHA1,
//! keyed with the user's secret key, is Base64-encoded and sent as `signature`. The encoding
//! is that of Java's `URLEncoder`, which the management server uses to recompute the
//! signature: letters, digits and `.-*_` stay as they are, everything else is `%XX`.

use base64::Engine;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;

/// What Java's `URLEncoder` leaves alone, with the space encoded as `%20`.
const CLOUDSTACK: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'*').remove(b'_');

/// A parameter value as CloudStack encodes it.
pub fn encode(value: &str) -> String {
	utf8_percent_encode(value, CLOUDSTACK).to_string()
}

/// The query string (or form body) of a request: the parameters in the order given, encoded.
pub fn query(params: &[(String, String)]) -> String {
	params.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// The string that is signed: encoded pairs sorted by name, lower-cased.
pub fn canonical(params: &[(String, String)]) -> String {
	let mut pairs: Vec<(String, String)> =
		params.iter().map(|(k, v)| (k.to_lowercase(), encode(v))).collect();
	pairs.sort();
	pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&").to_lowercase()
}

/// The `signature` parameter for a request with `params` (which include `apiKey`).
pub fn signature(secret_key: &str, params: &[(String, String)]) -> String {
	// HMAC takes keys of any length.
	let mut mac = Hmac::<Sha1>::new_from_slice(secret_key.as_bytes())
		.unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
	mac.update(canonical(params).as_bytes());
	base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
		pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
	}

	/// The worked example of CloudStack's developer guide ("How to sign an API call with
	/// Python"): `listUsers` with `response=json`, its published keys and its published result.
	#[test]
	fn the_documented_list_users_example_signs_to_the_documented_signature() {
		let request = params(&[
			("command", "listUsers"),
			("response", "json"),
			(
				"apikey",
				"plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg",
			),
		]);
		assert_eq!(
			canonical(&request),
			"apikey=plgwjfzk4gys3momtvmjuvg-x-jlwlnfauj9gabbbf9edm-kaymmailqzzq1elzlyq_u38zcm0bewzgudp66mg\
			 &command=listusers&response=json"
		);
		let secret =
			"VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ";
		assert_eq!(signature(secret, &request), "TTpdDq/7j/J58XCRHomKoQXEQds=");
	}

	/// The developer guide's `deployVirtualMachine` example: the sorted, lower-cased command
	/// string it prints.
	#[test]
	fn the_documented_deploy_example_sorts_and_lower_cases_as_published() {
		let request = params(&[
			("command", "deployVirtualMachine"),
			("serviceOfferingId", "1"),
			("diskOfferingId", "1"),
			("templateId", "2"),
			("zoneId", "4"),
			(
				"apiKey",
				"miVr6X7u6bN_sdahOBpjNejPgEsT35eXq-jB8CG20YI3yaxXcgpyuaIRmFI_EJTVwZ0nUkkJbPmY3y2bciKwFQ",
			),
		]);
		assert_eq!(
			canonical(&request),
			"apikey=mivr6x7u6bn_sdahobpjnejpgest35exq-jb8cg20yi3yaxxcgpyuairmfi_ejtvwz0nukkjbpmy3y2bcikwfq\
			 &command=deployvirtualmachine&diskofferingid=1&serviceofferingid=1&templateid=2&zoneid=4"
		);
	}

	#[test]
	fn spaces_are_percent_20_and_java_s_safe_characters_stay() {
		assert_eq!(encode("a b+c/d=e"), "a%20b%2Bc%2Fd%3De");
		assert_eq!(encode("x.y-z*_~"), "x.y-z*_%7E");
		assert_eq!(encode("é"), "%C3%A9");
	}
}
