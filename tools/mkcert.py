#!/usr/bin/env python3
"""Make a per-device HTTPS certificate for a wifiprov board.

    python tools/mkcert.py [--out DIR] [--name NAME] [--ip ADDR] [--days N]

Writes cert.der and key.der (an ECDSA P-256 key and its self-signed
certificate) into DIR, and prints the certificate's SHA-256 fingerprint: the
board prints the same line at boot, and the browser shows it when it warns
about the self-signed certificate. Copy both files to the board's flash root
(`mpremote cp cert.der key.der :`); HTTPS is on at the next boot.

The key never leaves DIR and the board: make one pair per board.
"""
import argparse
import datetime
import hashlib
import ipaddress
import sys
from pathlib import Path


def make(name, ip, days):
    """(certificate DER, private key DER) for one board."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    # The board's clock may be unset (1970 or 2000 on a fresh boot), and a
    # phone's may be off: start the validity well before today.
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName(name), x509.DNSName(name + ".local"), x509.IPAddress(ipaddress.ip_address(ip))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.DER), key_der


def fingerprint(cert_der):
    """The SHA-256 fingerprint as the board prints it: AB:CD:..."""
    return ":".join("%02X" % b for b in hashlib.sha256(cert_der).digest())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=".", help="directory for cert.der and key.der (default: here)")
    ap.add_argument("--name", default="wifiprov", help="the board's host name (default wifiprov)")
    ap.add_argument("--ip", default="192.168.4.1", help="the board's AP address (default 192.168.4.1)")
    ap.add_argument("--days", type=int, default=3650, help="validity from today (default 3650)")
    ap.add_argument("--force", action="store_true", help="replace an existing pair")
    args = ap.parse_args(argv)
    out = Path(args.out)
    cert_path, key_path = out / "cert.der", out / "key.der"
    if not args.force and (cert_path.exists() or key_path.exists()):
        print("error: %s already has cert.der or key.der; --force replaces them" % out, file=sys.stderr)
        return 1
    try:
        ipaddress.ip_address(args.ip)
    except ValueError:
        print("error: --ip %r is not an IP address" % args.ip, file=sys.stderr)
        return 1
    cert, key = make(args.name, args.ip, args.days)
    out.mkdir(parents=True, exist_ok=True)
    key_path.touch(mode=0o600)
    key_path.write_bytes(key)
    cert_path.write_bytes(cert)
    print("wrote %s and %s" % (cert_path, key_path))
    print("SHA-256 %s" % fingerprint(cert))
    return 0


if __name__ == "__main__":
    sys.exit(main())
