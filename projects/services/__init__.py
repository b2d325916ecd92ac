"""Every write to the projects domain goes through a function of this package.

Split by subject: `projects` (projects, beneficiaries, the collective-benefit rule),
`funding` (funding lines and expenditures), `milestones` (milestones, their updates and
the progress roll-up in `progress`), `indicators` (indicators and measurements). Like the
plans services they are keyword-only, run in one transaction and append exactly one
history event per change through plans.services.history.
"""
