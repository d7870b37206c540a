"""The rule engine: rule packs (`rules.py`), the registry of checks and their typed
parameters (`registry.py`, `params.py`), the check modules, and the pandas engine that turns
hits into findings (`engine.py`) with the Great Expectations suite (`gx.py`)."""
