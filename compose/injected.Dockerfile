# syntax=docker/dockerfile:1
# DINFRA's images from binaries built outside the image, as polkadot's "injected" Dockerfiles
# make theirs: scripts/compose-images copies dinfra-node, dinfra-ogate and dinfra-reactor from
# the shared cargo build, polkadot and its workers from the relay-binaries cache, and the
# schemas into a build context, and builds each target on the base image it made from Debian's
# packages with debootstrap (ca-certificates, curl and jq; the user dinfra, uid 10001, owning
# /data). The multi-stage Dockerfile at the root builds the same images from source.
ARG BASE=localhost/dinfra/base:bookworm

FROM ${BASE} AS node
COPY dinfra-node /usr/local/bin/
USER 10001
EXPOSE 9944 30333
ENTRYPOINT ["dinfra-node"]

FROM ${BASE} AS ogate
COPY dinfra-ogate /usr/local/bin/
COPY schemas /usr/share/dinfra/schemas
USER 10001
EXPOSE 8480
ENTRYPOINT ["dinfra-ogate"]

FROM ${BASE} AS reactor
COPY dinfra-reactor /usr/local/bin/
USER 10001
EXPOSE 8490
ENTRYPOINT ["dinfra-reactor"]

FROM ${BASE} AS relay
COPY polkadot polkadot-prepare-worker polkadot-execute-worker /usr/local/bin/
USER 10001
EXPOSE 9944 30333
ENTRYPOINT ["polkadot"]
