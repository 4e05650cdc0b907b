#!/usr/bin/env bash
# Builds and installs pgvector for the local PostgreSQL 15 when the server does not offer it yet.
# pgvector is not packaged for Debian bookworm; Debian trixie's source package builds against 15.
set -euo pipefail
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
if [ -f "$($PG_CONFIG --sharedir)/extension/vector.control" ]; then
  echo "pgvector: already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql-server-dev-15 build-essential >/dev/null
work=$(mktemp -d)
mkdir -p "$work/parts" "$work/lists/partial"
uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
echo "deb-src $uri trixie main" >"$work/sources.list"
opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=$work/parts" -o "Dir::State::Lists=$work/lists")
apt-get "${opts[@]}" update -qq
(cd "$work" && apt-get "${opts[@]}" source --download-only --tar-only pgvector)
(cd "$work" && tar xzf pgvector_*.orig.tar.gz)
src=$(find "$work" -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)
make -C "$src" -j2 PG_CONFIG=$PG_CONFIG OPTFLAGS="" >/dev/null
make -C "$src" install PG_CONFIG=$PG_CONFIG >/dev/null
rm -rf "$work"
echo "pgvector: installed"
