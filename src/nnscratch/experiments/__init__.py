"""The tutorial's experiments as code: each returns its numbers and writes its figures."""
