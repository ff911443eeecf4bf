"""The hostile data corpus and the tests that push it through every layer (see docs/reliability.md)."""
