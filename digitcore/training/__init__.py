"""Training networks: augmentation, ``TrainConfig`` and the presets' recipes, the training loop,
the job manager that runs one training per server, and the CLI's progress text.

May import every package below it: insight, model, imaging, storage (and synthetic).
"""
