"""The result-return context: counter, online and postal return, notifications and ratings."""
