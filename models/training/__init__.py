"""Losses and training steps of the learned networks (no I/O; the ``train`` command builds on them)."""
