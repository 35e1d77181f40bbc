"""EPC identities for RFID-tagged units (GS1 SGTIN pure-identity URIs).

``urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial``; the GTIN is
recovered without knowing the company prefix length, which readers at the exit
do not know either.
"""

from __future__ import annotations

from walkout.domain.catalogue import gtin_check_digit_ok


def _check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def sgtin_urn(gtin: str, serial: int | str, prefix_len: int = 7) -> str:
    if not gtin_check_digit_ok(gtin):
        raise ValueError(f"{gtin!r} is not a valid GTIN")
    g14 = gtin.zfill(14)
    indicator, body = g14[0], g14[1:13]
    company, item = body[:prefix_len], body[prefix_len:]
    return f"urn:epc:id:sgtin:{company}.{indicator}{item}.{serial}"


def gtin_from_sgtin(urn: str) -> tuple[str, str]:
    """(GTIN-14, serial) from an SGTIN URN; raises ValueError on anything else."""
    prefix = "urn:epc:id:sgtin:"
    if not urn.startswith(prefix):
        raise ValueError(f"{urn!r} is not an SGTIN URN")
    try:
        company, item, serial = urn[len(prefix) :].split(".")
    except ValueError:
        raise ValueError(f"{urn!r}: expected CompanyPrefix.ItemRef.Serial") from None
    if not (company.isdigit() and item.isdigit()) or len(company) + len(item) != 13:
        raise ValueError(f"{urn!r}: company prefix and item reference must be 13 digits together")
    body = item[0] + company + item[1:]
    return body + _check_digit(body), serial
