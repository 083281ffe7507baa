#!/bin/sh
# One-shot: turns the CloudStack simulator into a cloud the reactor can use, and writes the
# reactor's configuration.
#  1. Deploys the simulator's advanced zone (marvin's deployDataCenter, shipped in the image).
#  2. Through the simulator's integration port 8096 (unauthenticated, the simulator's own):
#     creates API keys for `admin`, and reads the zone, the small service offering, a template
#     and the guest network.
#  3. Writes /config/reactor.toml: compose/reactor.cloudstack.toml with those ids and keys.
set -eu
api="http://cloudstack:8096/client/api?response=json"
until curl -sf "$api&command=listCapabilities" > /dev/null; do sleep 5; done
python /root/tools/marvin/marvin/deployDataCenter.py -i /root/setup/dev/advanced.cfg || true
user=$(curl -sf "$api&command=listUsers&username=admin" | jq -r '.listusersresponse.user[0].id')
keys=$(curl -sf "$api&command=registerUserKeys&id=$user")
api_key=$(echo "$keys" | jq -r '.registeruserkeysresponse.userkeys.apikey')
secret_key=$(echo "$keys" | jq -r '.registeruserkeysresponse.userkeys.secretkey')
zone=$(curl -sf "$api&command=listZones" | jq -r '.listzonesresponse.zone[0].id')
offering=$(curl -sf "$api&command=listServiceOfferings" | jq -r '.listserviceofferingsresponse.serviceoffering[0].id')
template=$(curl -sf "$api&command=listTemplates&templatefilter=featured" | jq -r '.listtemplatesresponse.template[0].id')
network=$(curl -sf "$api&command=listNetworks&listall=true" | jq -r '.listnetworksresponse.network[0].id // empty')
sed -e "s/^api_key = .*/api_key = \"$api_key\"/" \
	-e "s/^secret_key = .*/secret_key = \"$secret_key\"/" \
	-e "s/small-offering-uuid/$offering/" -e "s/sim-zone-uuid/$zone/" \
	-e "s/sim-guest-network-uuid/$network/" \
	-e "s/debian-12-template-uuid/$template/" -e "s/ubuntu-2404-template-uuid/$template/" \
	/compose/reactor.cloudstack.toml > /config/reactor.toml
echo "reactor configuration written: zone $zone, offering $offering, template $template"
