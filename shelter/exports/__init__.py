"""List exports (CSV, XLSX) within the user's scope, audited; large ones written in the background."""
