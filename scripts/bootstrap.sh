#!/usr/bin/env bash
# Installs every Debian 12 package Balcão needs to build, test and run.
# Idempotent: packages already present are left alone, and apt is not asked
# again when nothing is missing.
set -euo pipefail

PACKAGES=(
  # build (clang: the libFuzzer targets)
  build-essential cmake pkg-config git clang
  # libraries
  libczmq-dev libzmq3-dev libprotobuf-c-dev protobuf-c-compiler liblmdb-dev lmdb-utils
  libxapian-dev libgmime-3.0-dev libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libjansson-dev
  libarchive-dev
  libsodium-dev libcmark-dev libutf8proc-dev libsystemd-dev libcmocka-dev
  # the staff's TOTP (liboath) and its enrolment QR code (libqrencode)
  liboath-dev libqrencode-dev
  # tests: Python speaks the bus from proto/ alone, curl speaks HTTP
  python3 python3-zmq python3-protobuf protobuf-compiler curl
  # tests: a real IMAP server for the IMAP poller (started per test, never as a system service)
  dovecot-imapd
  # tests: a real SMTP server for notify to deliver to
  python3-aiosmtpd
  # tests: the customer portal's browser tests drive Debian's Chromium
  # (tests/browser: playwright-core never downloads a browser of its own)
  chromium fonts-dejavu-core
  # running: time zones for business hours (America/Sao_Paulo)
  tzdata
  # tests: a real MTA in front of the mail gate (tests/e2e/test_postfix.py
  # runs its own instance; the system one is left unconfigured)
  postfix
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm (the web app's build, the browser tests): Debian's, unless
# a Node.js with its npm is already there (NodeSource's nodejs bundles npm,
# and Debian's npm package would conflict with it).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} packages present, and Node.js with npm"
  exit 0
fi
echo "bootstrap: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Postfix asks how to configure the system MTA: not at all (tests run their own).
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
