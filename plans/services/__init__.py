"""Every write to the plans domain goes through a function of this package.

Services are keyword-only, typed, named `<noun>_<verb>`, run in one transaction and append
exactly one history event per change (see plans/services/history/).
"""
