"""Reports: figures derived from the records, the dashboard, the monthly report and its sign-off.

``model`` is the contract between the figures (``figures*.py``, which build a ``Report``) and the
documents that draw one (dashboard, HTML/PDF/XLSX of the monthly report, the API), so each side can
change without the other.
"""
