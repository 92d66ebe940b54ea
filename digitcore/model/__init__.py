"""Networks and answers: architectures, the fast runner (``inference``), ``Predictor`` (image in,
probabilities out), model summaries, and who goes first when visitors and a training share the CPU.

May import ``digitcore.imaging`` and ``digitcore.storage``.
"""
