#!/usr/bin/env bash
# Mutation check: do the tests notice when a promise of the documentation breaks?
# Applies, one at a time, each one-line mutation listed below to a scratch
# copy of the tree, rebuilds, runs the tests that should notice, and reports
# each mutant as KILLED (some test failed: good) or SURVIVED (no test
# noticed: a hole in the suite). Exit 0 only when every mutant is killed.
#
#   ./scripts/mutants.sh             every mutant
#   ./scripts/mutants.sh 3 7         only mutants 3 and 7 (numbers as listed)
#   ./scripts/mutants.sh --list      list them and exit
#
# A developer's tool, not part of ./scripts/test.sh: it rebuilds once per
# mutant (ccache makes that cheaper when installed). The working tree is
# never touched: everything happens in a copy under build/, removed at the end.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Each mutant: a name, a file, the exact text to replace (it must occur
# exactly once), its replacement, and a ctest -R regex of the tests that
# must notice. Fields are separated by " ||| ".
mutants=(
  "link proof not compared ||| src/route/links/link_table.cpp ||| if (!crypto::proof_equal(expected, proof)) return false; ||| (void)expected; ||| Links|BadInput|Tunnel"
  "opening frame of any size ||| src/route/front/front_door.cpp ||| read_frame(s, protocol::max_opening_payload, ||| read_frame(s, protocol::max_payload, ||| BadInput"
  "link_timeout never fires ||| src/route/links/link_table.cpp ||| p->signal.expires_after(deadline); ||| p->signal.expires_after(std::chrono::hours(24)); ||| Links"
  "a dropped vnet's links stay open ||| src/route/links/link_openings.cpp ||| links_.drop_vnet(vnetid, ||| if (false) links_.drop_vnet(vnetid, ||| Links|Resilience"
  "bad input logged at debug only ||| src/route/front/front_door.cpp ||| spdlog::warn(\"connection from {} dropped: no opening frame ||| spdlog::debug(\"connection from {} dropped: no opening frame ||| BadInput"
  "half-close becomes a full close ||| src/net/relay/relay.cpp ||| to->shutdown(tcp::socket::shutdown_send, ignored); ||| to->close(ignored); ||| HalfClose|blackbox_tunnel"
  "decoder skips the per-field limits ||| src/common/protocol/codec.cpp ||| ec = check_limits(out); ||| ; ||| Limits|blackbox_use_reasons"
  "config lets over-long info through ||| src/common/config/schema_vnet.cpp ||| row<rules::sent_text<protocol::max_info_bytes, true>, &c::info>( ||| row<rules::sent_text<1000000, true>, &c::info>( ||| LongValues|blackbox_cli"
  "codec accepts any frame length ||| src/common/protocol/codec.cpp ||| if (h.length > max_length) ||| if (false) ||| Codec|BadInput"
  "static serveid conflict replaced, not refused ||| src/route/registry.cpp ||| if (serve.serveid > max_dynamic_serveid) { ||| if (false) { ||| Registry"
  "route SIGHUP not handled ||| src/route/main.cpp ||| hooks.hangup = [&] ||| auto unused = [&] ||| blackbox_route_reload"
  "route stop says nothing to its vnets ||| src/route/sessions/session.cpp ||| send(protocol::error{code, reason}); ||| (void)code; ||| blackbox_restart"
  "use close keeps links ||| src/vnet/use/uses.cpp ||| e.links->close_all();  // a closed use relays nothing any more ||| ; ||| blackbox_held_connections"
  "use delete keeps links ||| src/vnet/use/uses.cpp ||| it->links->close_all(); ||| ; ||| blackbox_held_connections"
  "serve close keeps links ||| src/vnet/serve/serves.cpp ||| e.links->close_all();  // a closed serve relays nothing any more ||| ; ||| blackbox_held_connections"
  "serve delete keeps links ||| src/vnet/serve/serves.cpp ||| it->links->close_all(); ||| ; ||| blackbox_held_connections"
  "never-reached route called lost ||| src/vnet/session/client.cpp ||| if (welcomed_) reason ||| reason ||| blackbox_route_address"
  "welcome wait fixed at 10 s ||| src/vnet/session/client_handshake.cpp ||| const auto welcome_timeout = ctx_.dial_timeout(); ||| const auto welcome_timeout = std::chrono::seconds(10); ||| blackbox_route_address"
  "route text not escaped ||| src/vnet/session/client_handshake.cpp ||| co_return outcome::fail(\"the route refused this vnet: \" + text::printable(e->message)); ||| co_return outcome::fail(\"the route refused this vnet: \" + e->message); ||| blackbox_route_address"
  "standby reason logged without grace ||| src/vnet/use/uses.hpp ||| standby_log_delay{2} ||| standby_log_delay{0} ||| blackbox_use_reasons"
  "standby reason logged per push ||| src/vnet/use/uses.cpp ||| || e.standby_logged == e.standby_what) continue; ||| ) continue; ||| blackbox_use_reasons"
  "owner change silent ||| src/vnet/use/uses.cpp ||| if (e.served_by != 0 &&  ||| if (false &&  ||| blackbox_use_reasons|blackbox_restart"
  "peer vnet name not escaped ||| src/vnet/use/uses.cpp ||| text::printable(s.vnet_name) ||| s.vnet_name ||| blackbox_use_reasons"
  "repeat unserve keeps the old timer ||| src/vnet/serve/unserve.cpp ||| if (u.expiry) arm(id, ctx_.cfg.unserve_unused_timeout, \"unused\"); ||| ; ||| blackbox_unserve"
  "reload never opens/closes in place ||| src/vnet/reload.cpp ||| && only_active(*old, c) ||| && false ||| ReloadApply"
  "frame buffer allocated from the header's promise ||| src/net/frame/frame_io.cpp ||| std::vector<std::uint8_t> payload; ||| std::vector<std::uint8_t> payload; payload.reserve(h.length); ||| FrameIo"
  "send queue unbounded ||| src/net/frame/frame_io.cpp ||| if (queued() + frame.size() > limits_.max_bytes) { ||| if (false) { ||| Outbox|Flood"
  "a non-reader's requests still read ||| src/route/sessions/session.cpp ||| while (outbox_.queued() > send_high_water) { ||| while (false) { ||| Flood"
  "serves per vnet not counted ||| src/route/registry.cpp ||| if (v->serves >= max_serves) ||| if (false) ||| Registry|Quota"
  "link quotas not checked ||| src/route/links/link_pairing.cpp ||| if (auto quota = links_.within_quotas(use_vnet, serve_vnet, serveid, cfg_.limits); !quota) { ||| if (auto quota = links_.within_quotas(use_vnet, serve_vnet, serveid, cfg_.limits); false) { ||| Quota"
  "unserve requests not rate-limited ||| src/route/unserves.cpp ||| if (r.made.size() >= per_minute) ||| if (false) ||| UnserveBook|Quota"
  "serving vnet caps no serve ||| src/vnet/serve/serves.cpp ||| if (*e.slots_taken < max) return ||| if (true) return ||| Quota"
  "unidentified connections never shed ||| src/route/front/front_door.cpp |||     make_room(); |||     ; ||| blackbox_fds"
  "sessions per address not limited ||| src/route/front/control_opening.cpp ||| held->second >= max_sessions) ||| false) ||| blackbox_fds"
  "whole serve list pushed on every change ||| src/route/sessions/serve_list_push.cpp ||| if (auto* s = sessions_.find(id)) s->send(u); ||| if (auto* s = sessions_.find(id)) s->send(registry_.list_for_group(group)); ||| ServeList.JoinsAndLeaves"
  "vnet ignores serve-list updates ||| src/vnet/session/route_session.cpp ||| protocol::apply(*serve_list_, u); ||| ; ||| ServeList"
  "vnet keeps tickets it never asked for ||| src/vnet/session/ticket_stock.cpp ||| if (asked_ == 0) return outcome::fail ||| if (false) return outcome::fail ||| HostileRoute|TicketsThatWereNotAskedFor"
  "vnet keeps more tickets than asked ||| src/vnet/session/ticket_stock.cpp ||| if (t.granted.size() > asked_) ||| if (false) ||| HostileRoute|MoreTicketsThanAsked"
  "serveids in lists unchecked ||| src/common/protocol/limits.cpp ||| for (const auto& e : list) at_most(e, each); ||| (void)each; ||| Limits"
  "a full metrics listener evicts nobody ||| src/http/server.cpp ||| const bool room = st->evict_for(s.remote_endpoint(no_peer).address()); ||| const bool room = false; (void)no_peer; ||| blackbox_metrics"
  "metrics Host not checked ||| src/http/server.cpp ||| if (host != req.end() && !acceptable_host( ||| if (false && !acceptable_host( ||| blackbox_metrics"
  "a ban closes links too ||| src/route/front/front_door.cpp ||| if (first == net::tls::tls_handshake_byte && ||| if (true && ||| Admission.ABan"
  "no ban by network prefix ||| src/route/admission_book.hpp ||| v.prefix_banned = count(prefixes_, prefix, max_prefix_failures, now); ||| ; ||| AdmissionBook"
  "a misspelled secret key only warns ||| src/common/config/section.hpp ||| if (near && is_secret_key(*near)) { ||| if (false) { ||| Errors.AMisspelledSecretKey"
  "readable secrets not warned about ||| src/common/config/load.cpp ||| if (!mode) return; ||| return; ||| Secrets"
  "route-caused lines not budgeted ||| src/vnet/serve/unserve.cpp ||| if (ctx_.may_log(\"unserve refusal\")) ||| if (true) ||| HostileRoute"
  "link nonce reused ||| src/crypto/link_cipher.cpp ||| auto nonce = nonce_of(next_++); ||| auto nonce = nonce_of(0); ++next_; ||| LinkCipher"
  "serveid not in the link keys ||| src/crypto/link_cipher.cpp |||       .add_u16(serveid) |||       .add_u16(0) ||| LinkHandshake|SecureRelay"
  "cipher offer not in the link keys ||| src/crypto/link_cipher.cpp |||       .add(offer_byte) |||       .add(\"\") ||| LinkHandshake"
  "link id not in the link keys ||| src/crypto/link_cipher.cpp ||| .add(choice).add_u64(link_id) ||| .add(choice) ||| LinkHandshake"
  "link keys never rolled over ||| src/crypto/link_cipher.cpp ||| if (next_ == rekey_every_) {  // the key's life is over ||| if (false) {  // the key's life is over ||| LinkCipher"
  "a failed link ends its plain socket cleanly ||| src/net/secure/secure_relay.cpp ||| if (l.plain.is_open()) l.plain.set_option(asio::socket_base::linger(true, 0), ignored); ||| ; ||| SecureRelay"
  "serving vnet dials before the opening authenticates ||| src/net/secure/secure_relay.cpp ||| outcome::status opened = co_await read_early(*l, early); ||| outcome::status early_dial = co_await dial_service(l->plain); if (!early_dial) why = early_dial.why(); outcome::status opened = co_await read_early(*l, early); ||| SecureRelay"
  "a refused token retried at the reconnect pace ||| src/vnet/session/client.cpp ||| wait = backoff_.refused(reconnect); ||| wait = reconnect; ||| blackbox_route_tls"
  "unread tickets count against a vnet for ever ||| src/route/tickets.cpp |||   expire(mine, now); |||   (void)now; ||| TicketBook|ShortTickets"
  "an idle vnet keeps stale tickets ||| src/vnet/session/ticket_stock.cpp ||| refresh_.expires_at(stock_.front().stale_at); ||| return; ||| fixture.AStale|ShortTickets"
  "a ticket past its lifetime is taken before a sweep ||| src/route/tickets.cpp ||| if (expired) return std::nullopt; ||| ; ||| TicketBook"
  "a keyed group's failed link names the service's address ||| src/vnet/serve/serves.cpp ||| const std::string where = ctx_.group.keyed ? ||| const std::string where = false ? ||| blackbox_route_sees"
  "a keyed group's refusal names the sealed serve ||| src/vnet/serve/serves.cpp ||| const std::string serve = ctx_.group.keyed ? ||| const std::string serve = false ? ||| KeyedGroup.ARefusal"
  "a keyed group's link keys signed by nothing ||| src/crypto/secret.cpp |||   crypto_kdf_derive_from_key(g.mac_key.data(), ||| if (false) crypto_kdf_derive_from_key(g.mac_key.data(), ||| KeyedGroup.TheRouteSeesEach"
  "the route logs no unserve address ||| src/route/sessions/control_messages.cpp ||| text::printable(net::host_port(req.ip, req.port))); ||| \"an address\"); ||| blackbox_route_sees"
  "TLS state made before the whole ClientHello ||| src/route/front/control_opening.cpp ||| net::error_code rec = co_await await_first_record(raw, deadline); ||| net::error_code rec{}; ||| blackbox_front_door"
  "handshakes in progress unbounded ||| src/route/front/control_opening.cpp ||| while (handshaking_.size() >= max) { ||| while (false) { ||| blackbox_front_door"
  "no handshake rate ||| src/route/front/control_opening.cpp ||| if (!handshakes_.allow(known, ||| if (false && !handshakes_.allow(known, ||| blackbox_front_door"
  "known addresses share the newcomers' handshakes ||| src/route/front/handshake_gate.hpp ||| return (known ? known_ : newcomers_).take(per_second, now); ||| return newcomers_.take(per_second, now); ||| HandshakeGate"
  "unserve rate counted per session only ||| src/route/unserves.cpp |||   if (group.size() >= per_group) |||   if (false) ||| UnserveBook|blackbox_front_door"
  "no unserve bound per network ||| src/route/unserves.cpp |||   if (network.size() >= per_group) |||   if (false) ||| UnserveBook"
  "sessions per network not limited ||| src/route/front/control_opening.cpp ||| in_network->second >= max_network) ||| false) ||| blackbox_front_door"
  "a keyed group joined with its id alone ||| src/crypto/group_proof.cpp |||     if (looks_keyed(group)) |||     if (false) ||| KeyedGroup|GroupProof"
  "a keyed group joined with any signature ||| src/crypto/group_proof.cpp ||| if (crypto_sign_verify_detached(proof.sig.data(), m.data(), m.size(), proof.pub.data()) != 0) ||| if (false) ||| KeyedGroup|GroupProof"
  "the early record opens without the group key ||| src/crypto/link_cipher.cpp ||| hasher(psk, k.size()).add(\"early\") ||| hasher(key32{}, k.size()).add(\"early\") ||| SecureRelay|LinkHandshake"
  "a keyed group's serves registered in plain ||| src/crypto/serve_seal.cpp ||| if (!group.keyed) return plain; ||| return plain; ||| ServeSeal|KeyedGroup"
  "the route keeps a keyed group's serve in plain ||| src/route/serve_shown.hpp ||| if (keyed_group && !is_sealed(s)) ||| if (false) ||| KeyedGroup"
  "a serve both sealed and plain ||| src/common/protocol/limits.cpp |||       ec_ = errc::sealed_and_plain; |||       ; ||| Limits"
  "a static serve's seal not bound to its serveid ||| src/crypto/serve_seal.cpp ||| const std::uint16_t bound = serveid >= first_static_serveid ? serveid : 0; ||| const std::uint16_t bound = 0; ||| ServeSeal"
  "link records not padded ||| src/crypto/link_cipher.cpp ||| return (pad_ ? bucket_of(plain) : plain) + record_overhead; ||| return plain + record_overhead; ||| RecordPadding|blackbox_capture"
  "a padding count beyond the record accepted ||| src/crypto/record_padding.cpp ||| if (zeros > body.size() - record_pad_field) ||| if (zeros > body.size()) ||| RecordPadding"
  "non-zero padding accepted ||| src/crypto/record_padding.cpp ||| if (std::any_of(pad.begin(), pad.end(), [](std::uint8_t b) { return b != 0; })) ||| if (false) ||| RecordPadding"
  "a protocol-6 vnet admitted ||| src/route/front/control_opening.cpp ||| if (hello->version != protocol::version) { ||| if (hello->version != protocol::version && hello->version != 6) { ||| AProtocol6Vnet"
)

list_only=0
selected=()
for arg in "$@"; do
  case "$arg" in
    --list) list_only=1 ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *[!0-9]*) echo "mutants.sh: not a mutant number: $arg (try --list)" >&2; exit 2 ;;
    *) selected+=("$arg") ;;
  esac
done

field() { # field N SPEC
  python3 -c 'import sys; print(sys.argv[2].split(" ||| ")[int(sys.argv[1])])' "$1" "$2"
}

if ((list_only)); then
  for i in "${!mutants[@]}"; do
    printf '%2d  %-45s %s\n' $((i + 1)) "$(field 0 "${mutants[$i]}")" "$(field 1 "${mutants[$i]}")"
  done
  exit 0
fi

"$root/scripts/install-deps.sh"
# Inside build/ (ignored by git), so that ccache, which rewrites paths
# relative to the tree, can reuse the objects of the normal build.
mkdir -p "$root/build"
work=$(mktemp -d "$root/build/mutants.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "mutants: copying the tree to $work" >&2
tar -C "$root" --exclude=./build --exclude=./.git -cf - . | tar -C "$work" -xf -

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$work" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
echo "mutants: building the unmutated tree" >&2
if ! cmake --build "$work/build" -j2 >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log" >&2
  echo "mutants: the unmutated tree does not build" >&2
  exit 1
fi

killed=0
survived=()
for i in "${!mutants[@]}"; do
  n=$((i + 1))
  if ((${#selected[@]})) && [[ ! " ${selected[*]} " =~ " $n " ]]; then continue; fi
  spec=${mutants[$i]}
  name=$(field 0 "$spec"); file=$(field 1 "$spec"); tests=$(field 4 "$spec")
  cp "$work/$file" "$work/$file.orig"
  python3 - "$work/$file" "$spec" <<'PYEOF'
import sys
path, spec = sys.argv[1], sys.argv[2].split(" ||| ")
src = open(path, encoding="utf-8").read()
count = src.count(spec[2])
if count != 1:
    sys.exit(f"mutants: {spec[2]!r} occurs {count} times in {spec[1]}; fix the list")
open(path, "w", encoding="utf-8").write(src.replace(spec[2], spec[3]))
PYEOF
  printf 'mutant %2d  %-45s ' "$n" "$name"
  if ! cmake --build "$work/build" -j2 >"$work/build.log" 2>&1; then
    echo "KILLED (does not build)"
    killed=$((killed + 1))
  elif ctest --test-dir "$work/build" -R "$tests" -j2 --timeout 300 >"$work/test.log" 2>&1; then
    echo "SURVIVED (tests: $tests)"
    survived+=("$n $name")
  else
    failed=$(grep -cE '\(Failed\)|\(Timeout\)|\*\*\*Exception' "$work/test.log" || true)
    echo "KILLED ($failed failing tests)"
    killed=$((killed + 1))
  fi
  mv "$work/$file.orig" "$work/$file"
  touch "$work/$file"
done

# Leave the scratch build as it was (not needed, but cheap with ccache).
echo
echo "mutants: ${killed} killed, ${#survived[@]} survived"
for s in "${survived[@]}"; do echo "  survived: $s"; done
((${#survived[@]} == 0))
