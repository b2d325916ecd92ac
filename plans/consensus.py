"""The consensus rules as pure functions: counts in, outcome and tally out.

No database here, so the table of cases is tested directly and the services only gather the
counts. The tally is stored on the agreement as evidence of how the decision was reached.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ADOPTED = "adopted"
REJECTED = "rejected"
POSITION_VALUES = ("agree", "abstain", "disagree", "block")


def count_positions(values: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(POSITION_VALUES, 0)
    for value in values:
        counts[value] += 1
    return counts


def quorum_needed(members: int, quorum_percent: int) -> int:
    """Positions needed: quorum_percent % of the members, rounded up (at least one)."""
    return max(1, math.ceil(members * quorum_percent / 100))


@dataclass(frozen=True)
class Outcome:
    status: str
    tally: dict[str, Any]


def consent(*, counts: dict[str, int], members: int, member_positions: int, quorum_percent: int) -> Outcome:
    """The default rule.

    Adopted when (1) the active full members who took a position reach the quorum,
    (2) no one blocks and (3) agrees outnumber disagrees (a tie rejects). Abstentions count
    toward the quorum but neither for nor against. `counts` covers every position recorded
    (adherents included: anyone may block); the quorum counts full members only.
    """
    quorum = quorum_needed(members, quorum_percent)
    quorum_reached = member_positions >= quorum
    adopted = quorum_reached and counts["block"] == 0 and counts["agree"] > counts["disagree"]
    tally = {
        **counts,
        "members": members,
        "member_positions": member_positions,
        "quorum_percent": quorum_percent,
        "quorum": quorum,
        "quorum_reached": quorum_reached,
        "rule": "consent",
    }
    return Outcome(ADOPTED if adopted else REJECTED, tally)


@dataclass(frozen=True)
class ForumAttendance:
    """Whether enough of the cluster was in the room for the forum to decide for it."""

    members: int  # active full member organizations of the cluster
    members_present: int
    quorum_percent: int

    @property
    def needed(self) -> int:
        return quorum_needed(self.members, self.quorum_percent)

    @property
    def reached(self) -> bool:
        return self.members_present >= self.needed


def forum_consensus(
    *, counts: dict[str, int], forum_id: int, organizations_present: int, people_present: int,
    attendance: ForumAttendance, override_reason: str = "",
) -> Outcome:
    """Agreement by the forum (often by acclamation), recorded by the coordinator.

    The service checks the evidence (forum held, minutes, attendance list) and refuses a forum
    below its attendance quorum unless the coordinator overrides it with a reason, which the
    tally keeps. Positions recorded anyway are kept in the tally for the record.
    """
    tally = {
        **counts,
        "forum": forum_id,
        "attendance": organizations_present + people_present,
        "organizations_present": organizations_present,
        "people_present": people_present,
        "members": attendance.members,
        "members_present": attendance.members_present,
        "attendance_quorum_percent": attendance.quorum_percent,
        "attendance_needed": attendance.needed,
        "attendance_reached": attendance.reached,
        "by_forum": True,
        "rule": "forum_consensus",
    }
    if not attendance.reached:
        tally["attendance_override"] = override_reason
    return Outcome(ADOPTED, tally)
