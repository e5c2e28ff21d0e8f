"""The competent agency context: workflow steps, clocks, supplements, apologies, decisions and results."""
