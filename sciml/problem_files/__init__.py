"""The built-in problem files (TOML); the top-level ``problems/`` folder links here."""
