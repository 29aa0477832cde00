"""Does a lab host or device answer? Small, bounded network probes from the control side."""

from __future__ import annotations

import asyncio
import socket


def ssh_banner(address: str, port: int = 22, timeout: float = 1.0) -> str | None:
    """The SSH identification string, or None if nothing answers."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            data = sock.recv(256)
    except OSError:
        return None
    text = data.decode("latin-1").strip()
    return text if text.startswith("SSH-") else None


async def _snmp_get(address: str, community: str, oids: list[str], port: int, timeout: float):
    from pysnmp.hlapi.v3arch.asyncio import (
        CommunityData,
        ContextData,
        ObjectIdentity,
        ObjectType,
        SnmpEngine,
        UdpTransportTarget,
        get_cmd,
    )

    engine = SnmpEngine()
    try:
        target = await UdpTransportTarget.create((address, port), timeout=timeout, retries=1)
        err_ind, err_status, _err_idx, binds = await get_cmd(
            engine,
            CommunityData(community, mpModel=1),
            target,
            ContextData(),
            *[ObjectType(ObjectIdentity(oid)) for oid in oids],
        )
    finally:
        engine.close_dispatcher()
    if err_ind:
        raise OSError(str(err_ind))
    if err_status:
        raise OSError(err_status.prettyPrint())
    return {str(name): value for name, value in binds}


def snmp_get(address: str, community: str, oids: list[str], port: int = 161, timeout: float = 1.0) -> dict:
    """SNMP v2c GET; returns {oid: pysnmp value}. Raises OSError when the agent does not answer."""
    return asyncio.run(_snmp_get(address, community, oids, port, timeout))


def snmp_answers(address: str, community: str, timeout: float = 1.0) -> bool:
    try:
        snmp_get(address, community, ["1.3.6.1.2.1.1.5.0"], timeout=timeout)
    except OSError:
        return False
    return True
