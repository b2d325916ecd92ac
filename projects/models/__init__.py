"""Models of the projects app, split by subject; import them from here."""

from .indicators import Indicator, Measurement
from .milestones import Milestone, MilestoneUpdate
from .project import Currency, Expenditure, FundingLine, Project, ProjectBeneficiary

__all__ = [
    "Currency",
    "Expenditure",
    "FundingLine",
    "Indicator",
    "Measurement",
    "Milestone",
    "MilestoneUpdate",
    "Project",
    "ProjectBeneficiary",
]
