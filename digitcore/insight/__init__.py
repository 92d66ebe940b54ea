"""The pages' numbers: evaluation, comparison, reports, CSVLogger logs, Kaggle files, chart specs
and the plain-data presentation (tables, wording, images) that the pages render.

May import ``digitcore.model``, ``digitcore.imaging`` and ``digitcore.storage``.
"""
