# syntax=docker/dockerfile:1
# DINFRA's images, one multi-stage build:
#   docker build --target node    -t dinfra/node .      # dinfra-node (collator, dev chain)
#   docker build --target ogate   -t dinfra/ogate .     # dinfra-ogate (provider gateway)
#   docker build --target reactor -t dinfra/reactor .   # dinfra-reactor (chain reactor)
#   docker build --target relay   -t dinfra/relay .     # polkadot 41.0.0 (stable2609's relay)
# docker-compose.yml builds them all. The build follows scripts/setup: clang, lld and protoc,
# the pinned toolchain with the wasm32v1-none target and rust-src for the runtime's wasm.

FROM rust:1.95.0-slim-bookworm AS toolchain
RUN apt-get update \
	&& apt-get install -y --no-install-recommends clang lld libclang-dev protobuf-compiler make git ca-certificates \
	&& rm -rf /var/lib/apt/lists/* \
	&& rustup target add wasm32v1-none \
	&& rustup component add rust-src
ENV CARGO_TERM_COLOR=never

FROM toolchain AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
	--mount=type=cache,target=/src/target \
	cargo build --locked --release -p dinfra-node -p dinfra-ogate -p dinfra-reactor \
	&& mkdir -p /out \
	&& cp target/release/dinfra-node target/release/dinfra-ogate target/release/dinfra-reactor /out/

FROM toolchain AS relay-build
# The relay chain of stable2609 (polkadot-service 42, as polkadot-omni-node-lib 0.24).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
	cargo install --locked --root /out polkadot@41.0.0

FROM debian:bookworm-slim AS base
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates curl jq \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --create-home --uid 10001 dinfra \
	&& install -d -o dinfra -g dinfra /data
WORKDIR /home/dinfra

FROM base AS node
COPY --from=build /out/dinfra-node /usr/local/bin/
USER 10001
EXPOSE 9944 30333
ENTRYPOINT ["dinfra-node"]

FROM base AS ogate
COPY --from=build /out/dinfra-ogate /usr/local/bin/
COPY schemas /usr/share/dinfra/schemas
USER 10001
EXPOSE 8480
ENTRYPOINT ["dinfra-ogate"]

FROM base AS reactor
COPY --from=build /out/dinfra-reactor /usr/local/bin/
USER 10001
EXPOSE 8490
ENTRYPOINT ["dinfra-reactor"]

FROM base AS relay
COPY --from=relay-build /out/bin/polkadot /out/bin/polkadot-prepare-worker /out/bin/polkadot-execute-worker /usr/local/bin/
USER 10001
EXPOSE 9944 30333
ENTRYPOINT ["polkadot"]
