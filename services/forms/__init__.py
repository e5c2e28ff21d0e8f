"""Vietnamese administrative forms (Circular 03/2025 Annex I) rendered as HTML and PDF."""
