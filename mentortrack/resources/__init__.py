"""Files the package ships from the checkout's top-level folders.

``mentortrack.resources.parameters`` is the ``parameters/`` folder (default YAML
settings) and ``mentortrack.resources.notebooks`` the ``notebooks/`` folder (the report
notebooks); ``pyproject.toml`` maps both into the package, so an installed wheel has
them and an editable install reads the checkout's files. See :mod:`mentortrack.paths`.
"""
