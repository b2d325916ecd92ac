"""The consent rule's table of cases, on the pure function (no database)."""

from __future__ import annotations

import pytest

from plans import consensus


def counts(agree: int = 0, abstain: int = 0, disagree: int = 0, block: int = 0) -> dict[str, int]:
    return {"agree": agree, "abstain": abstain, "disagree": disagree, "block": block}


@pytest.mark.parametrize(
    ("case", "votes", "members", "quorum_percent", "expected", "quorum", "quorum_reached"),
    [
        ("adopted", counts(agree=3, disagree=1), 6, 50, "adopted", 3, True),
        ("quorum not reached", counts(agree=2), 6, 50, "rejected", 3, False),
        ("quorum rounds up", counts(agree=3), 7, 50, "rejected", 4, False),
        ("exactly the quorum", counts(agree=4), 7, 50, "adopted", 4, True),
        ("one block stops it", counts(agree=5, block=1), 6, 50, "rejected", 3, True),
        ("tie rejects", counts(agree=2, disagree=2), 6, 50, "rejected", 3, True),
        ("more disagree", counts(agree=1, disagree=3), 6, 50, "rejected", 3, True),
        ("abstentions count for quorum only", counts(agree=1, abstain=2), 6, 50, "adopted", 3, True),
        ("only abstentions", counts(abstain=6), 6, 50, "rejected", 3, True),
        ("unanimity quorum", counts(agree=5), 6, 100, "rejected", 6, False),
        ("no members, nothing adopts", counts(), 0, 50, "rejected", 1, False),
    ],
)
def test_consent_table(case, votes, members, quorum_percent, expected, quorum, quorum_reached) -> None:  # type: ignore[no-untyped-def]
    taken = sum(votes.values())
    outcome = consensus.consent(counts=votes, members=members, member_positions=taken, quorum_percent=quorum_percent)
    assert outcome.status == expected, case
    assert outcome.tally["quorum"] == quorum
    assert outcome.tally["quorum_reached"] is quorum_reached
    assert outcome.tally["rule"] == "consent"
    assert outcome.tally["members"] == members
    assert {k: outcome.tally[k] for k in consensus.POSITION_VALUES} == votes


def test_adherent_positions_count_in_tally_but_not_toward_quorum() -> None:
    # 4 agrees, but only 2 of them from full members of 6: quorum 3 not reached.
    outcome = consensus.consent(counts=counts(agree=4), members=6, member_positions=2, quorum_percent=50)
    assert outcome.status == "rejected" and outcome.tally["member_positions"] == 2


def test_forum_consensus_is_adopted_and_records_attendance() -> None:
    present = consensus.ForumAttendance(members=8, members_present=4, quorum_percent=50)
    outcome = consensus.forum_consensus(
        counts=counts(), forum_id=9, organizations_present=5, people_present=12, attendance=present,
    )
    assert outcome.status == "adopted"
    assert outcome.tally["attendance"] == 17 and outcome.tally["by_forum"] is True
    assert outcome.tally["rule"] == "forum_consensus" and outcome.tally["forum"] == 9
    assert outcome.tally["attendance_needed"] == 4 and outcome.tally["attendance_reached"] is True
    assert "attendance_override" not in outcome.tally


@pytest.mark.parametrize(("members", "present", "percent", "needed", "reached"), [
    (77, 4, 50, 39, False), (77, 39, 50, 39, True), (10, 3, 25, 3, True), (1, 0, 50, 1, False), (0, 0, 50, 1, False),
])
def test_forum_attendance_quorum(members: int, present: int, percent: int, needed: int, reached: bool) -> None:
    attendance = consensus.ForumAttendance(members=members, members_present=present, quorum_percent=percent)
    assert (attendance.needed, attendance.reached) == (needed, reached)


def test_a_forum_below_quorum_keeps_the_override_reason_in_the_tally() -> None:
    short = consensus.ForumAttendance(members=77, members_present=4, quorum_percent=50)
    outcome = consensus.forum_consensus(
        counts=counts(), forum_id=9, organizations_present=4, people_present=0, attendance=short,
        override_reason="lanzamiento",
    )
    assert outcome.tally["attendance_override"] == "lanzamiento" and outcome.tally["attendance_reached"] is False


def test_count_positions() -> None:
    assert consensus.count_positions(["agree", "block", "agree"]) == counts(agree=2, block=1)
