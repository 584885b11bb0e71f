#!/usr/bin/env bash
# Installs what the live tests need: Cyrus IMAP 3.6 (Debian 12 packages), OpenLDAP's slapd and Postfix
# (postfix.ts runs private instances of it in front of the lab's Cyrus).
# Idempotent and quiet: prints nothing unless it fails (then the apt log). Needs root.
#
# No system service may stay running afterwards: the lab starts its own private servers on loopback.
# While apt runs, a temporary policy-rc.d (exit 101, "action forbidden") keeps the postinst scripts from
# starting cyrus-imapd, slapd or postfix; one that is already there (as in Docker images) is left alone. If a
# service still came up during the install, it is stopped through its own init script.
set -euo pipefail

# postfix replaces an installed exim4 (both provide mail-transport-agent); nothing here needs exim4.
PACKAGES=(cyrus-imapd cyrus-common cyrus-clients cyrus-admin sasl2-bin libsasl2-modules slapd ldap-utils postfix)
# Commands the lab uses, one per package that provides them.
NEEDED=(/usr/sbin/cyrmaster /usr/lib/cyrus/bin/ctl_cyrusdb /usr/sbin/saslpasswd2 /usr/sbin/slapd /usr/sbin/slapadd /usr/sbin/slappasswd /usr/bin/ldapsearch /usr/bin/ldapadd /usr/sbin/postfix /usr/sbin/postconf)

fail() {
  echo "test/harness/install.sh: $*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || fail "must run as root (it installs Debian packages and starts Cyrus as root, which drops to user cyrus)"

missing=0
for cmd in "${NEEDED[@]}"; do [ -x "$cmd" ] || missing=1; done
# A half-configured package (an interrupted earlier install) also needs apt.
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed || missing=1
done

if [ "$missing" = 1 ]; then
  command -v apt-get >/dev/null || fail "apt-get not found: install ${PACKAGES[*]} by hand"
  log=$(mktemp /tmp/bonnie-install.XXXXXX)
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  cleanup() {
    if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi
  }
  trap cleanup EXIT
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from bonnie test/harness/install.sh: no service starts during the install\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    own_policy=1
  fi
  before_cyrus=$(pgrep -x cyrmaster || true)
  before_slapd=$(pgrep -x slapd || true)
  before_postfix=$(pgrep -x master || true)

  # slapd must not build a system directory (dc=nodomain...) at install: the lab makes its own.
  echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
  # Nor a system Postfix: "No configuration" leaves /etc/postfix without a main.cf (the lab writes its own
  # per instance) and asks nothing else.
  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
  export DEBIAN_FRONTEND=noninteractive
  install() {
    apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${PACKAGES[@]}" </dev/null >>"$log" 2>&1
  }
  # Try with the package lists we have; refresh them only if that fails (stale or never fetched).
  if ! install; then
    apt-get update -q </dev/null >>"$log" 2>&1 || { cat "$log" >&2; fail "apt-get update failed"; }
    install || { cat "$log" >&2; fail "apt-get install failed"; }
  fi

  # Belt and braces: stop a service the install started (never one that ran before it).
  if [ -z "$before_cyrus" ] && pgrep -x cyrmaster >/dev/null; then
    if [ -x /etc/init.d/cyrus-imapd ]; then /etc/init.d/cyrus-imapd stop >>"$log" 2>&1 || true; fi
  fi
  if [ -z "$before_slapd" ] && pgrep -x slapd >/dev/null; then
    if [ -x /etc/init.d/slapd ]; then /etc/init.d/slapd stop >>"$log" 2>&1 || true; fi
  fi
  if [ -z "$before_postfix" ] && pgrep -x master >/dev/null; then
    if [ -x /etc/init.d/postfix ]; then /etc/init.d/postfix stop >>"$log" 2>&1 || true; fi
  fi
  rm -f "$log"
fi

for cmd in "${NEEDED[@]}"; do [ -x "$cmd" ] || fail "$cmd is missing after the install"; done
id cyrus >/dev/null 2>&1 || fail "user cyrus is missing (cyrus-common creates it)"

version=$(dpkg-query -W -f='${Version}' cyrus-imapd 2>/dev/null || true)
case "$version" in
  3.6.*) ;;
  *) fail "Cyrus IMAP 3.6.x is required (Debian 12's cyrus-imapd), found '${version:-none}'" ;;
esac
