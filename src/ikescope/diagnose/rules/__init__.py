"""One module per concern. Each module may define:

- ``ENTRIES``: the catalog entries of the codes it produces;
- ``SA_RULES``: functions ``(SaRecord, RuleContext) -> Iterable[Finding]``, run when an SA closes;
- ``NET_RULES``: functions ``(NetEvent) -> Iterable[Finding]`` for network-level events;
- ``MESSAGE_RULES``: functions ``(Datagram, Decoded) -> Iterable[Finding]`` for messages no SA could take.

Adding a module to ``MODULES`` is all it takes to run it and list its codes.
"""

from __future__ import annotations

from . import auth, cookies, malformed, proposals, selectors, versions
from . import audit, certs, fragments, lifecycle, nat, retransmit
from . import capture, clock, keys, limits, path, probes, reachability, redirect, rekey, retries, stalls, tcp

MODULES = (proposals, malformed, retransmit, fragments, auth, nat, selectors, lifecycle, reachability, keys, versions, certs, audit, cookies,
           capture, redirect, probes, stalls, tcp, clock, limits, rekey, retries, path)

ENTRIES = tuple(e for m in MODULES for e in getattr(m, "ENTRIES", ()))
SA_RULES = tuple(r for m in MODULES for r in getattr(m, "SA_RULES", ()))
NET_RULES = tuple(r for m in MODULES for r in getattr(m, "NET_RULES", ()))
MESSAGE_RULES = tuple(r for m in MODULES for r in getattr(m, "MESSAGE_RULES", ()))
