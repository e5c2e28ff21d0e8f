"""A fake national public-service portal (Cổng DVCQG) for local runs and tests."""
