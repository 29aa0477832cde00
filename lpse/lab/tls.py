"""The lab's certificate authority and the SPSE web servers' certificates.

A real site gets its certificate from a CA (and puts its path in the inventory); the lab makes
its own CA at lab time so that HTTPS is verified end to end, never switched off with ``-k``.
Keys stay in the lab's state directory (mode 0600), never in the repository.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from pathlib import Path

from lpse.lab.topology import Topology

CA_DAYS = 3650
LEAF_DAYS = 397  # what public CAs may issue at most


def site_name(topo: Topology) -> str:
    """The SPSE site's DNS name in a lab (``spse.<lab>.lab``)."""
    return f"spse.{topo.name}.lab"


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _key_pem(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def ensure(directory: Path, topo: Topology) -> dict[str, Path]:
    """Create the CA once and a certificate for every ``spse_app`` host that has none."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_cert_path, ca_key_path = directory / "ca.pem", directory / "ca.key"
    if not (ca_cert_path.exists() and ca_key_path.exists()):
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"LPSE lab CA ({topo.name})")])
        ca = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(ca_key_path, _key_pem(ca_key))
        ca_cert_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)
    ca = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    out = {"ca": ca_cert_path}
    for host in topo.hosts.values():
        if "spse_app" not in host.groups:
            continue
        cert_path, key_path = directory / f"{host.name}.pem", directory / f"{host.name}.key"
        out[host.name] = cert_path
        if cert_path.exists() and key_path.exists():
            continue
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = [x509.DNSName(site_name(topo)), x509.DNSName(host.name)]
        names += [x509.IPAddress(ipaddress.ip_address(str(i.address))) for i in host.interfaces]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, site_name(topo))]))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=LEAF_DAYS))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(key_path, _key_pem(key))
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return out
