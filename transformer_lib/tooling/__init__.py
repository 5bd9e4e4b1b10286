"""Tools around the textbook, not part of the model: ``bench`` (speed against PyTorch) and
``check_env`` (installed versions against the declared ranges)."""
