"""An adversarial generator of the project's own, separate from the simulator: labelled worlds
with planted fraud of each family, its parameters swept widely, and legitimate look-alikes.

`generate.build` makes a world from a seed; `load.load_world` puts it into the platform
through the rooms' services; `score` reads what the platform's detectors say about each case
and scores them per family and per parameter band (`scf eval --adversarial`).
"""
