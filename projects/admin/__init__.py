"""Coordinator screens for projects, milestones, funding and indicators; saves call the services."""

from . import filters, funding, milestones, projects

__all__ = ["filters", "funding", "milestones", "projects"]
