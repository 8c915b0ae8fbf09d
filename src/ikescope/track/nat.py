"""Where a NAT sits, read once from an SA's NAT-D hashes, for every view that names it.

The finding ``ike.nat_detected`` and the ``nat`` field of an SA summary must
never disagree, so both read the verdict from here rather than each
interpreting the hashes.

The tracker has already compared every NAT-D hash with the address and port
in the captured packet (RFC 3947 3.2, RFC 7296 2.23). Which of those
comparisons fails depends on where the capture was taken: on the public side
of the NAT the sender's own "src" hash fails (it hashed its private address),
on the private side the peer's "dst" hash fails (it hashed the public one).
Either mismatch puts that side behind a NAT.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import SaRecord, role_name


@dataclass(frozen=True, slots=True)
class NatVerdict:
    """behind: for each side behind a NAT (True: initiator), the frames whose NAT-D hashes show it.
    rewritten: no hash matches at all, not even the peers' views of each other, so the capture's
    addresses were most likely changed after the fact and the verdict is unreliable."""

    behind: dict[bool, list[int]]
    rewritten: bool
    seen: bool  # NAT-D hashes were in the capture at all

    @property
    def roles(self) -> list[str]:
        return [role_name(side) for side in self.behind]

    def text(self, nat_t: bool = False) -> str:
        """The verdict in a few words, as SA summaries show it."""
        if not self.seen:
            return "NAT-T in use, no NAT-D seen" if nat_t else "no NAT-D"
        if not self.behind:
            return "no NAT detected"
        where = "NAT in front of the " + " and ".join(self.roles)
        return where + (" (or the capture's addresses were rewritten: no NAT-D hash matches)" if self.rewritten
                        else "")


def behind_nat(sa: SaRecord) -> dict[bool, list[int]]:
    """For each side behind a NAT (True: initiator), the frames whose NAT-D hashes show it.

    A side's own "src" hashes may list several local addresses (RFC 3947 3.2), so
    it is behind a NAT when none matches; the peer's "dst" hash names the one
    address it sees, so a single mismatch there is enough.
    """
    out: dict[bool, list[int]] = {}
    for side in (True, False):
        own = [(f, ok) for f, fi, kind, ok in sa.nat_d if fi == side and kind == "src"]
        seen = [(f, ok) for f, fi, kind, ok in sa.nat_d if fi != side and kind == "dst"]
        frames = [f for f, ok in seen if not ok]
        if own and not any(ok for _, ok in own):
            frames = [f for f, _ in own] + frames
        if frames:
            out[side] = sorted(set(frames))
    return out


def rewritten(sa: SaRecord) -> bool:
    """Every NAT-D hash, the peers' views of each other's public address included, misses.

    A real NAT leaves the hash of the address each peer sends to intact as seen from the
    path between them; when nothing matches, the capture's addresses were most likely
    rewritten afterwards (anonymised test captures), and the NAT verdict is unreliable.
    """
    kinds = {kind for _, _, kind, _ in sa.nat_d}
    return kinds == {"src", "dst"} and not any(ok for *_, ok in sa.nat_d)


def verdict(sa: SaRecord) -> NatVerdict:
    """The NAT verdict of ``sa``: what the finding and the summary both say."""
    return NatVerdict(behind=behind_nat(sa), rewritten=rewritten(sa), seen=bool(sa.nat_d))
