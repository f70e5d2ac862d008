#!/usr/bin/env bash
# Measures a real `signroom serve` with the load generator's -url mode: builds both binaries,
# starts the service on loopback with a fresh data directory, creates ROOMS live agreements
# through the HTTP API (each: a host and a signatory who publish, four observers who
# subscribe), writes their invitation tokens to a file and runs signroom-load against the
# service's ceremony WebSocket, reading the service's CPU time from /proc.
#
#   scripts/load-live.sh [ROOMS] [DURATION]      e.g. scripts/load-live.sh 16 10s
#
# With SIGNROOM_DEBUG_ADDR=127.0.0.1:6060 the service also serves pprof there, e.g.
#   go tool pprof -top http://127.0.0.1:6060/debug/pprof/profile?seconds=8
#
# Everything stays on 127.0.0.1; the service is stopped when the script ends.
set -euo pipefail
ROOMS="${1:-8}"
DURATION="${2:-10s}"
cd "$(dirname "$0")/.."
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

go build -o "$WORK/signroom" ./cmd/signroom
go build -o "$WORK/signroom-load" ./cmd/signroom-load

# A minimal one-page PDF with a correct cross-reference table.
pdf() {
	local out="$1" objs=() offs=() i body
	objs+=("<< /Type /Catalog /Pages 2 0 R >>")
	objs+=("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	objs+=("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	body="%PDF-1.4"$'\n'
	for i in "${!objs[@]}"; do
		offs+=("${#body}")
		body+="$((i + 1)) 0 obj"$'\n'"${objs[$i]}"$'\n'"endobj"$'\n'
	done
	local xref="${#body}"
	body+="xref"$'\n'"0 $((${#objs[@]} + 1))"$'\n'"0000000000 65535 f "$'\n'
	for i in "${offs[@]}"; do body+="$(printf '%010d' "$i") 00000 n "$'\n'; done
	body+="trailer"$'\n'"<< /Size $((${#objs[@]} + 1)) /Root 1 0 R >>"$'\n'"startxref"$'\n'"$xref"$'\n'"%%EOF"$'\n'
	printf '%s' "$body" > "$out"
}
pdf "$WORK/doc.pdf"

"$WORK/signroom" serve --addr 127.0.0.1:0 --data-dir "$WORK/data" --public-ip 127.0.0.1 \
	--log-level warn --max-room-size 16 ${SIGNROOM_DEBUG_ADDR:+--debug-addr "$SIGNROOM_DEBUG_ADDR"} \
	> "$WORK/stdout" 2> "$WORK/server.log" &
PID=$!
for _ in $(seq 100); do
	ADDR="$(sed -n 's/^  listening on //p' "$WORK/stdout")"
	[ -n "$ADDR" ] && curl -sf "http://$ADDR/healthz" > /dev/null && break
	sleep 0.1
done
[ -n "$ADDR" ] || { echo "service did not start"; cat "$WORK/server.log"; exit 1; }
BASE="http://$ADDR"
PASSWORD="load test password 1"
echo "$PASSWORD" | "$WORK/signroom" user add --data-dir "$WORK/data" --role organizer --password-stdin loader > /dev/null
TOKEN="$(curl -sf "$BASE/api/login" -H 'Content-Type: application/json' \
	-d "{\"username\":\"loader\",\"password\":\"$PASSWORD\"}" | jq -r .access_token)"

api() { # METHOD PATH [JSON]
	curl -sf -X "$1" "$BASE$2" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ${3:+-d "$3"}
}

: > "$WORK/tokens"
for r in $(seq "$ROOMS"); do
	ID="$(api POST /api/agreements "{\"title\":{\"en\":\"Load room $r\"}}" | jq -r .id)"
	VENUE="$(api POST "/api/agreements/$ID/venues" '{"name":{"en":"Hall"},"time_zone":"Asia/Seoul"}' | jq -r .id)"
	PARTY="$(api POST "/api/agreements/$ID/parties" '{"name":{"en":"Party"},"country":"KR"}' | jq -r .id)"
	api POST "/api/agreements/$ID/participants" "{\"name\":\"Host\",\"role\":\"host\",\"venue_id\":\"$VENUE\"}" > /dev/null
	api POST "/api/agreements/$ID/participants" "{\"name\":\"Signer\",\"role\":\"signatory\",\"party_id\":\"$PARTY\",\"venue_id\":\"$VENUE\"}" > /dev/null
	for o in 1 2 3 4; do
		api POST "/api/agreements/$ID/participants" "{\"name\":\"Observer $o\",\"role\":\"observer\",\"venue_id\":\"$VENUE\"}" > /dev/null
	done
	curl -sf "$BASE/api/agreements/$ID/documents?language=en" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/pdf' --data-binary "@$WORK/doc.pdf" > /dev/null
	api POST "/api/agreements/$ID/schedule" | jq -r --arg id "$ID" \
		'.invitations[] | "\($id) \(if .role == "observer" then "subscriber" else "publisher" end) \(.token)"' >> "$WORK/tokens"
	api POST "/api/agreements/$ID/start" > /dev/null
done
echo "$ROOMS live agreements on $BASE; measuring for $DURATION"
"$WORK/signroom-load" -url "ws://$ADDR/api/agreements/{id}/ceremony/ws" -tokens "$WORK/tokens" \
	-server-pid "$PID" -duration "$DURATION" -warmup 3s
