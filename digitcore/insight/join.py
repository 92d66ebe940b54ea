"""The address students' devices open to join the class, and its QR code (presenter mode).

Plain functions, no Streamlit: the page passes in what the browser asked for (the
``Host`` header) and the server's port. A teacher usually opens the app on the
classroom computer itself (``localhost``), an address no student device can
reach, so a loopback host is replaced by this computer's own network address.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlencode, urlsplit, urlunsplit

import segno

__all__ = ["is_loopback_host", "lan_address", "join_address", "with_query", "qr_svg", "qr_png"]


def _split_host(host: str) -> tuple[str, str]:
    """``"[::1]:8501"`` -> ``("::1", "8501")``; ``"example.org"`` -> ``("example.org", "")``."""
    host = host.strip()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, rest.lstrip(":")
    if host.count(":") == 1:
        name, _, port = host.partition(":")
        return name, port
    return host, ""


def is_loopback_host(host: str) -> bool:
    """True for addresses only this computer can open: localhost, 127.x, ::1, 0.0.0.0 (and empty)."""
    name, _ = _split_host(host)
    name = name.lower().rstrip(".")
    if not name or name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def lan_address() -> str | None:
    """This computer's address on its local network (the one its default route uses), or None offline.

    A UDP ``connect`` sends nothing; it only asks the operating system which
    interface it would use, so this is instant and works without internet.
    """
    for probe in ("10.255.255.255", "192.168.255.255"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 1))
                ip = s.getsockname()[0]
        except OSError:
            continue
        if ip and not ipaddress.ip_address(ip).is_loopback and not ipaddress.ip_address(ip).is_unspecified:
            return ip
    return None


def join_address(host: str | None, port: int, *, lan_ip: str | None = None, https: bool = False) -> str:
    """The URL students open: the teacher's own address, unless that one is only valid on this computer.

    ``host`` is the ``Host`` header the teacher's browser sent (e.g. ``"192.168.1.20:8501"``);
    when it is a loopback name, ``lan_ip`` (this computer's network address) and ``port``
    are used instead. Without either, the loopback address is returned as it is.
    """
    scheme = "https" if https else "http"
    if host and not is_loopback_host(host):
        return f"{scheme}://{host.strip()}/"
    if lan_ip:
        ip = ipaddress.ip_address(lan_ip)
        name = f"[{ip}]" if ip.version == 6 else str(ip)
        return f"{scheme}://{name}:{int(port)}/"
    return f"{scheme}://{(host or 'localhost').strip() or 'localhost'}/"


def with_query(url: str, params: dict[str, str] | None) -> str:
    """``url`` with ``params`` as its query (``{"challenge": "1"}`` -> ``...?challenge=1``); unchanged when empty."""
    if not params:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode(params)))


def qr_svg(url: str, scale: int = 6, dark: str = "#1f2d36", light: str = "#ffffff") -> str:
    """An inline ``<svg>`` QR code for ``url`` (error correction M, a quiet zone of 4 modules).

    ``segno`` is pure Python: nothing is downloaded or sent anywhere.
    """
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_inline(scale=scale, dark=dark, light=light, border=4, title=f"QR code for {url}")


def qr_png(url: str, scale: int = 6, dark: str = "#1f2d36", light: str = "#ffffff") -> bytes:
    """The same QR code as a PNG (what ``st.image`` shows; inline SVG is stripped by the page's sanitiser)."""
    import io

    buf = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buf, kind="png", scale=scale, dark=dark, light=light, border=4)
    return buf.getvalue()
