"""Read models over public events only: dossier facts, dashboards and the Decision 766 index."""
