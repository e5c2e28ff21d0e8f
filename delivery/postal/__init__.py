"""The postal partner's own context: shipments both ways between applicants and agencies."""
