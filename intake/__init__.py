"""The one-stop desk context: submission, receipt, dossier codes, calendar and legal deadlines."""
