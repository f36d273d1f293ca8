"""The parts ``shared.bootstrap.App`` is assembled from, one per feature. Each part's
cached properties build that feature's adapters on first use and import their modules
only then, so a function builds (and loads) only what its entry point touches."""
