"""The auditor's workbench pages: the plan's timeline, compare, verify and the downloads.

- registry.py  which page shows an object of a type, and which fields hold money (each app
               registers its own in AppConfig.ready(): plans never imports projects)
- display.py   events and compare entries made readable (labels, choice labels, dates, money)
- access.py    who may open the workbench of a plan (auditors and coordinators of its cluster)
- timeline.py, compare.py, verify.py  the views
"""
