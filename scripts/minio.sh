#!/usr/bin/env bash
# scripts/minio.sh — run a command against a throwaway MinIO server.
#
#   scripts/minio.sh build            ensure the pinned MinIO binary is built
#   scripts/minio.sh run -- CMD ARGS  start MinIO on a free loopback port with
#                                     random credentials, export
#                                     SIGNROOM_TEST_MINIO_{ENDPOINT,ACCESS_KEY,SECRET_KEY},
#                                     run CMD, stop MinIO, exit with CMD's status
#
# MinIO is AGPL: it is built and run as a separate process, never imported.
set -euo pipefail

MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
BIN_DIR="${SIGNROOM_CACHE:-${HOME:-/root}/.cache/signroom}/minio-bin"
MINIO="$BIN_DIR/minio"

log() { printf 'minio.sh: %s\n' "$*" >&2; }

usage() {
	echo "usage: $0 build | run -- CMD [ARGS...]" >&2
	exit 2
}

# ensure_binary builds the pinned MinIO unless it is already in the cache.
# A lock keeps two concurrent callers from building twice.
ensure_binary() {
	if [[ -x "$MINIO" ]]; then
		return
	fi
	mkdir -p "$BIN_DIR"
	exec 9>"$BIN_DIR/.build.lock"
	if command -v flock >/dev/null && ! flock -n 9; then
		log "another build is running; waiting for it"
		flock 9
	fi
	if [[ -x "$MINIO" ]]; then
		return
	fi
	log "building github.com/minio/minio@$MINIO_VERSION into $BIN_DIR (takes a few minutes)"
	GOBIN="$BIN_DIR" GOFLAGS=-buildvcs=false go install "github.com/minio/minio@$MINIO_VERSION"
	[[ -x "$MINIO" ]] || { log "build finished but $MINIO is missing"; exit 1; }
}

# free_port prints a TCP port that is free on 127.0.0.1 right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

random_secret() {
	head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}

MINIO_PID=""
WORK_DIR=""

cleanup() {
	if [[ -n "$MINIO_PID" ]] && kill -0 "$MINIO_PID" 2>/dev/null; then
		kill "$MINIO_PID" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$MINIO_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$MINIO_PID" 2>/dev/null || true
		wait "$MINIO_PID" 2>/dev/null || true
	fi
	if [[ -n "$WORK_DIR" ]]; then
		rm -rf "$WORK_DIR"
	fi
}

# wait_live polls the liveness endpoint for up to 60 s.
wait_live() {
	local url="http://127.0.0.1:$1/minio/health/live"
	for _ in $(seq 600); do
		if ! kill -0 "$MINIO_PID" 2>/dev/null; then
			log "MinIO exited during start-up; log tail:"
			tail -n 40 "$WORK_DIR/minio.log" >&2
			return 1
		fi
		if curl -fsS -o /dev/null "$url" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	log "MinIO not live after 60s; log tail:"
	tail -n 40 "$WORK_DIR/minio.log" >&2
	return 1
}

start_minio() {
	WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/signroom-minio.XXXXXX")"
	mkdir -p "$WORK_DIR/data"
	local port console
	port="$(free_port)"
	console="$(free_port)"
	while [[ "$console" == "$port" ]]; do console="$(free_port)"; done
	export MINIO_ROOT_USER="signroom-$(random_secret 6)"
	export MINIO_ROOT_PASSWORD="$(random_secret 24)"
	MINIO_BROWSER=off MINIO_UPDATE=off "$MINIO" server --quiet \
		--address "127.0.0.1:$port" --console-address "127.0.0.1:$console" \
		"$WORK_DIR/data" >"$WORK_DIR/minio.log" 2>&1 &
	MINIO_PID=$!
	wait_live "$port"
	export SIGNROOM_TEST_MINIO_ENDPOINT="127.0.0.1:$port"
	export SIGNROOM_TEST_MINIO_ACCESS_KEY="$MINIO_ROOT_USER"
	export SIGNROOM_TEST_MINIO_SECRET_KEY="$MINIO_ROOT_PASSWORD"
	export SIGNROOM_TEST_MINIO_DATA_DIR="$WORK_DIR/data" # for tests that change bytes behind MinIO's back
	unset MINIO_ROOT_USER MINIO_ROOT_PASSWORD
	log "MinIO live at $SIGNROOM_TEST_MINIO_ENDPOINT (pid $MINIO_PID)"
}

run() {
	[[ $# -ge 1 ]] || usage
	ensure_binary
	trap cleanup EXIT
	trap 'stop_child INT; exit 130' INT
	trap 'stop_child TERM; exit 143' TERM
	start_minio
	# CMD runs in the background so a signal reaches the traps at once; it is
	# forwarded to CMD before MinIO is stopped.
	"$@" <&0 &
	CHILD_PID=$!
	local status=0
	wait "$CHILD_PID" || status=$?
	CHILD_PID=""
	exit "$status"
}

CHILD_PID=""

stop_child() {
	if [[ -n "$CHILD_PID" ]]; then
		kill "-$1" "$CHILD_PID" 2>/dev/null || true
		wait "$CHILD_PID" 2>/dev/null || true
	fi
}

main() {
	[[ $# -ge 1 ]] || usage
	local cmd="$1"
	shift
	case "$cmd" in
	build)
		ensure_binary
		;;
	run)
		[[ "${1:-}" == "--" ]] && shift
		run "$@"
		;;
	*)
		usage
		;;
	esac
}

main "$@"
