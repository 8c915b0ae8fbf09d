"""What a rule may know beyond the SA it judges: settings and recent SAs between
the same peers (bounded), so cross-SA conditions like "one side speaks IKEv1,
the other IKEv2" can be seen in a stream without keeping the whole capture."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field

from ..track.records import SaRecord
from .expect import ExpectedProposal

PEER_HISTORY = 8  # SAs remembered per peer pair
PEER_PAIRS = 1024  # peer pairs remembered; the least recently seen is forgotten first (at most 8192 SAs held)


@dataclass(frozen=True, slots=True)
class DiagnoseSettings:
    """expect_ike / expect_esp: the local side's configured proposals, to diff against.
    audit: report weak algorithms even on negotiations that succeeded."""

    expect_ike: tuple[ExpectedProposal, ...] = ()
    expect_esp: tuple[ExpectedProposal, ...] = ()
    audit: bool = True


@dataclass(slots=True)
class RuleContext:
    settings: DiagnoseSettings = field(default_factory=DiagnoseSettings)
    _history: OrderedDict[frozenset[str], deque[SaRecord]] = field(default_factory=OrderedDict)

    def earlier(self, sa: SaRecord) -> list[SaRecord]:
        """SAs between the same two addresses that closed before ``sa``, oldest first."""
        return list(self._history.get(_pair(sa), ()))

    def remember(self, sa: SaRecord) -> None:
        key = _pair(sa)
        q = self._history.get(key)
        if q is None:
            q = self._history[key] = deque(maxlen=PEER_HISTORY)
            if len(self._history) > PEER_PAIRS:
                self._history.popitem(last=False)
        else:
            self._history.move_to_end(key)
        q.append(sa)


def _pair(sa: SaRecord) -> frozenset[str]:
    return frozenset((sa.initiator.address, sa.responder.address))
