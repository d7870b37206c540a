"""The checks of the rule packs: the catalogue (`rules.py`), the registry of vectorised
checks (`registry.py`), the Great Expectations suite (`gx.py`) and the engine that runs them
(`engine.py`)."""
