"""Demo data shipped with the project (`manage.py load_demo`), written through the services.

Two clusters: the Tucumán dairy cluster from the seed (formulating its plan, in the
diagnosis phase after the launch forum of 2012-09-20) and the northern Patagonia fine-fruit
cluster (plan in execution, projects in every category, milestones in every state). Dates
after the seed's are relative to the day the demo is loaded, so reminders fire at once.
"""

from .loader import DemoSummary, load_demo

__all__ = ["DemoSummary", "load_demo"]
