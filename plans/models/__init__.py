"""Models of the plans app, split by subject; import them from here."""

from .base import StatusMixin, VersionedModel
from .cluster import (
    Cluster,
    KeyFigure,
    Language,
    Organization,
    PersonalLinkKey,
    Role,
    RoleAssignment,
    Stakeholder,
)
from .consensus import Agreement, Forum, ForumAttendance, Position
from .history import HistoryChainHead, HistoryEvent, Source
from .plan import Phase, Plan, StrategicLine

__all__ = [
    "Agreement",
    "Cluster",
    "Forum",
    "ForumAttendance",
    "HistoryChainHead",
    "HistoryEvent",
    "KeyFigure",
    "Language",
    "Organization",
    "PersonalLinkKey",
    "Phase",
    "Plan",
    "Position",
    "Role",
    "RoleAssignment",
    "Source",
    "Stakeholder",
    "StatusMixin",
    "StrategicLine",
    "VersionedModel",
]
